// 16-bit adder, the golden: behavioural, Yosys chooses the structure.
module RefModule(input [15:0] a, input [15:0] b, output [15:0] s, output cout);
  assign {cout, s} = a + b;
endmodule
