// 8-bit ripple-carry adder built from full-adder instances.
module ref_rca8_full_adder (
    input  a,
    input  b,
    input  ci,
    output s,
    output co
);
    assign s  = a ^ b ^ ci;
    assign co = (a & b) | (a & ci) | (b & ci);
endmodule

module RefModule (
    input  [7:0] a,
    input  [7:0] b,
    input        cin,
    output [7:0] sum,
    output       cout
);
    wire [8:0] c;
    assign c[0] = cin;

    genvar i;
    generate
        for (i = 0; i < 8; i = i + 1) begin : bit_slice
            ref_rca8_full_adder fa (
                .a (a[i]),
                .b (b[i]),
                .ci(c[i]),
                .s (sum[i]),
                .co(c[i+1])
            );
        end
    endgenerate

    assign cout = c[8];
endmodule
