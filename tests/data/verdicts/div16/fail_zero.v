module TopModule (input [15:0] a, input [15:0] b, output [15:0] q, output [15:0] r);
    assign q = (b == 16'd0) ? 16'h0000 : a / b;
    assign r = (b == 16'd0) ? a : a % b;
endmodule
