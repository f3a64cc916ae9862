// The same detector, one-hot encoding (5 flip-flops).
module TopModule(input clk, input reset, input x, output z);
  reg [4:0] st; // st[0]: idle, st[1]: 1, st[2]: 11, st[3]: 110, st[4]: 1101
  always @(posedge clk)
    if (reset) st <= 5'b00001;
    else begin
      st[0] <= ~x & (st[0] | st[1] | st[3] | st[4]);
      st[1] <= x & st[0];
      st[2] <= x & (st[1] | st[2] | st[4]);
      st[3] <= ~x & st[2];
      st[4] <= x & st[3];
    end
  assign z = st[4];
endmodule
