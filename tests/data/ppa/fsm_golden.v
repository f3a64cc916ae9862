// Moore detector of the sequence 1101 (overlapping), binary state encoding: the golden.
module RefModule(input clk, input reset, input x, output z);
  reg [2:0] st;
  always @(posedge clk)
    if (reset) st <= 3'd0;
    else case (st)
      3'd0: st <= x ? 3'd1 : 3'd0;
      3'd1: st <= x ? 3'd2 : 3'd0;
      3'd2: st <= x ? 3'd2 : 3'd3;
      3'd3: st <= x ? 3'd4 : 3'd0;
      3'd4: st <= x ? 3'd2 : 3'd0;
      default: st <= 3'd0;
    endcase
  assign z = st == 3'd4;
endmodule
