module TopModule (input clk, input rstb, input [7:0] d, output reg [7:0] q);
    always @(posedge clk) q <= rstb ? q + d : 8'h00;
endmodule
