module TopModule (input clk, input reset, input en, input [7:0] d, output [7:0] y);
    reg [7:0] cnt, data;
    always @(posedge clk)
        if (reset) cnt <= 8'd0;
        else cnt <= cnt + 8'd1;
    always @(posedge clk)
        data <= d;
    assign y = data ^ cnt;
endmodule
