// A 2-to-1 multiplexer: the golden.
module RefModule(input sel, input [3:0] d, input [3:0] e, output [3:0] y);
  assign y = sel ? d : e;
endmodule
