// 16-bit ripple-carry adder: a chain of full adders (small, slow).
module TopModule(input [15:0] a, input [15:0] b, output [15:0] s, output cout);
  wire [16:0] c;
  assign c[0] = 1'b0;
  genvar i;
  generate
    for (i = 0; i < 16; i = i + 1) begin : fa
      assign s[i] = a[i] ^ b[i] ^ c[i];
      assign c[i + 1] = (a[i] & b[i]) | (c[i] & (a[i] ^ b[i]));
    end
  endgenerate
  assign cout = c[16];
endmodule
