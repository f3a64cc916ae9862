module RefModule (input clk_a, input clk_b, input [3:0] d, output reg [3:0] qa, output reg [3:0] qb);
    always @(posedge clk_a) qa <= d;
    always @(posedge clk_b) qb <= qa;
endmodule
