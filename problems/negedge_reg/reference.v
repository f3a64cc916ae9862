// 8-bit register clocked on the falling edge, synchronous active-high reset.
module RefModule (
    input            clk,
    input            rst,
    input      [7:0] d,
    output reg [7:0] q
);
    always @(negedge clk) begin
        if (rst)
            q <= 8'h00;
        else
            q <= d;
    end
endmodule
