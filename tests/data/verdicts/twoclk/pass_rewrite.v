module TopModule (input clk_a, input clk_b, input [3:0] d, output [3:0] qa, output [3:0] qb);
    reg [3:0] a_q, b_q;
    always @(posedge clk_b) b_q <= a_q;
    always @(posedge clk_a) a_q <= d;
    assign qa = a_q;
    assign qb = b_q;
endmodule
