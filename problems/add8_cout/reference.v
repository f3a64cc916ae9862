// 8-bit unsigned adder with carry out.
module RefModule (
    input  [7:0] a,
    input  [7:0] b,
    output [7:0] sum,
    output       cout
);
    assign {cout, sum} = {1'b0, a} + {1'b0, b};
endmodule
