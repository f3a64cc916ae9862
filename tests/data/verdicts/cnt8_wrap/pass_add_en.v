module TopModule (input clk, input reset, input en, output reg [7:0] q, output wrap);
    always @(posedge clk) q <= reset ? 8'd0 : q + {7'd0, en};
    assign wrap = en && (&q);
endmodule
