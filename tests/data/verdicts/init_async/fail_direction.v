module TopModule (input clk, input init, input d, output reg [7:0] sh);
    always @(posedge clk or negedge init)
        if (!init) sh <= 8'h00;
        else sh <= {d, sh[7:1]};
endmodule
