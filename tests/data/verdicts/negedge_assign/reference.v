module RefModule (input clk, input rst, input [3:0] d, output reg [3:0] q);
    wire r = rst;
    always @(negedge clk)
        if (r) q <= 4'd0;
        else q <= d;
endmodule
