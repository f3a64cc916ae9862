// 128-bit adder with carry in and carry out.
module RefModule (
    input  [127:0] a,
    input  [127:0] b,
    input          cin,
    output [127:0] sum,
    output         cout
);
    assign {cout, sum} = {1'b0, a} + {1'b0, b} + {128'd0, cin};
endmodule
