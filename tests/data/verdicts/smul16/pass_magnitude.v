module TopModule (input [15:0] a, input [15:0] b, output [31:0] p);
    wire [15:0] ma = a[15] ? (~a + 16'd1) : a;
    wire [15:0] mb = b[15] ? (~b + 16'd1) : b;
    wire [31:0] m = ma * mb;
    assign p = (a[15] ^ b[15]) ? (~m + 32'd1) : m;
endmodule
