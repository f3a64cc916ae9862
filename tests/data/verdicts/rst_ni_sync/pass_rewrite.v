module TopModule (input clk, input rst_ni, input en, output reg [7:0] cnt);
    wire [7:0] step = en ? 8'd3 : 8'd0;
    always @(posedge clk) cnt <= (~rst_ni) ? 8'd0 : cnt + step;
endmodule
