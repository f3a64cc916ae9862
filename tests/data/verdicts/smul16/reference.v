module RefModule (input [15:0] a, input [15:0] b, output [31:0] p);
    assign p = $signed(a) * $signed(b);
endmodule
