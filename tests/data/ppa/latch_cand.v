// Functionally the multiplexer, but t is only assigned when sel is 1: synthesis infers a latch.
module TopModule(input sel, input [3:0] d, input [3:0] e, output [3:0] y);
  reg [3:0] t;
  always @* if (sel) t = d;
  assign y = sel ? t : e;
endmodule
