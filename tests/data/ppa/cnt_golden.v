// 8-bit counter with synchronous reset and enable: the golden.
module RefModule(input clk, input reset, input en, output reg [7:0] q);
  always @(posedge clk)
    if (reset) q <= 8'd0;
    else if (en) q <= q + 8'd1;
endmodule
