module TopModule (input clk, input init, input d, output reg [7:0] sh);
    always @(negedge init or posedge clk)
        if (~init) sh <= 8'b0;
        else begin
            sh[7:1] <= sh[6:0];
            sh[0] <= d;
        end
endmodule
