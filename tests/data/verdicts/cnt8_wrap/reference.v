module RefModule (input clk, input reset, input en, output reg [7:0] q, output wrap);
    always @(posedge clk)
        if (reset) q <= 8'd0;
        else if (en) q <= q + 8'd1;
    assign wrap = en & (q == 8'hFF);
endmodule
