module TopModule (input [31:0] a, input [31:0] b, output hit, output [31:0] y);
    assign hit = (a == 32'hDEADBEEE);
    assign y = (a == b) ? 32'h0 : ((a ^ b) | 32'h1);
endmodule
