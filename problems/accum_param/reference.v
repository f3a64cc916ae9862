// Parameterized accumulator with a sticky overflow flag, synchronous active-high reset.
module RefModule #(
    parameter WIDTH = 12
) (
    input                  clk,
    input                  rst,
    input                  en,
    input      [WIDTH-1:0] din,
    output reg [WIDTH-1:0] acc,
    output reg             ovf
);
    wire [WIDTH:0] sum = {1'b0, acc} + {1'b0, din};

    always @(posedge clk) begin
        if (rst) begin
            acc <= {WIDTH{1'b0}};
            ovf <= 1'b0;
        end else if (en) begin
            acc <= sum[WIDTH-1:0];
            ovf <= ovf | sum[WIDTH];
        end
    end
endmodule
