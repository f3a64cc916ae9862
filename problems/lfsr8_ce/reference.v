// 8-bit Fibonacci LFSR (x^8 + x^6 + x^5 + x^4 + 1) with clock enable,
// synchronous active-high reset to 8'h01.
module RefModule (
    input            clk,
    input            rst,
    input            ce,
    output reg [7:0] q
);
    wire fb = q[7] ^ q[5] ^ q[4] ^ q[3];

    always @(posedge clk) begin
        if (rst)
            q <= 8'h01;
        else if (ce)
            q <= {q[6:0], fb};
    end
endmodule
