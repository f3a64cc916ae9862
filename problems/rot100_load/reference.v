// 100-bit rotate register with parallel load, synchronous active-high reset.
module RefModule (
    input             clk,
    input             rst,
    input             load,
    input             en,
    input             dir,
    input      [99:0] d,
    output reg [99:0] q
);
    always @(posedge clk) begin
        if (rst)
            q <= 100'd0;
        else if (load)
            q <= d;
        else if (en)
            q <= dir ? {q[98:0], q[99]}   // rotate left by one
                     : {q[0], q[99:1]};   // rotate right by one
    end
endmodule
