module TopModule (input [15:0] a, input [15:0] b, output [31:0] p);
    wire [14:0] ma = a[15] ? (~a[14:0] + 15'd1) : a[14:0];
    wire [14:0] mb = b[15] ? (~b[14:0] + 15'd1) : b[14:0];
    wire [31:0] m = ma * mb;
    assign p = (a[15] ^ b[15]) ? (~m + 32'd1) : m;
endmodule
