module TopModule (input clk, input reset, input [7:0] d, output reg [7:0] q, output [7:0] nq);
    always @(posedge clk)
        if (reset) q <= #1 8'd0;
        else q <= #1 ~d;
    assign #1 nq = ~q;
endmodule
