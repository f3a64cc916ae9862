module RefModule (input clk, input reset, input [7:0] d, output reg [7:0] q, output [7:0] nq);
    always @(posedge clk)
        if (reset) q <= 8'd0;
        else q <= d;
    assign nq = ~q;
endmodule
