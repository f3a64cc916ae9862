module RefModule (input clk, input rstb, input [7:0] d, output reg [7:0] q);
    always @(posedge clk)
        if (!rstb) q <= 8'd0;
        else q <= q + d;
endmodule
