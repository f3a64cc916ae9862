// The same detector, binary encoding (3 flip-flops).
module TopModule(input clk, input reset, input x, output z);
  localparam S0 = 3'd0, S1 = 3'd1, S11 = 3'd2, S110 = 3'd3, S1101 = 3'd4;
  reg [2:0] st;
  always @(posedge clk)
    if (reset) st <= S0;
    else case (st)
      S0: st <= x ? S1 : S0;
      S1: st <= x ? S11 : S0;
      S11: st <= x ? S11 : S110;
      S110: st <= x ? S1101 : S0;
      S1101: st <= x ? S11 : S0;
      default: st <= S0;
    endcase
  assign z = st == S1101;
endmodule
