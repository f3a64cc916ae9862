module TopModule (input clk, input rst_ni, input en, output reg [7:0] cnt);
    always @(posedge clk)
        if (!rst_ni) cnt <= 8'd0;
        else if (en) cnt <= cnt + 8'd2;
endmodule
