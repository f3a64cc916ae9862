module TopModule (input [15:0] a, input [15:0] b, output [15:0] q, output [15:0] r);
    assign q = a / b;
    assign r = a % b;
endmodule
