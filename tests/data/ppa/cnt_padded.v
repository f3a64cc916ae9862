// The counter padded with redundant logic: a second register always holding ~q, and an output
// that ORs q with the inverse of that copy (= q). Correct, but synthesis cannot see that the
// copy is redundant, so it costs flip-flops, gates and power.
module TopModule(input clk, input reset, input en, output [7:0] q);
  reg [7:0] r, nr;
  always @(posedge clk)
    if (reset) begin
      r <= 8'd0;
      nr <= 8'hff;
    end else if (en) begin
      r <= r + 8'd1;
      nr <= ~(r + 8'd1);
    end
  assign q = r | ~nr;
endmodule
