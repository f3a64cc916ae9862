// Registered rising/falling edge detector for 8 independent inputs,
// asynchronous active-low reset.
module RefModule (
    input            clk,
    input            rst_n,
    input      [7:0] in,
    output reg [7:0] rise,
    output reg [7:0] fall
);
    reg [7:0] prev;

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            prev <= 8'h00;
            rise <= 8'h00;
            fall <= 8'h00;
        end else begin
            prev <= in;
            rise <= in & ~prev;
            fall <= ~in & prev;
        end
    end
endmodule
