module TopModule (input [31:0] a, input [31:0] b, output hit, output reg [31:0] y);
    assign hit = ~|(a ^ 32'hDEAD_BEEF);
    always @* begin
        if (a != b) y = (a ^ b) | 32'd1;
        else y = 32'd0;
    end
endmodule
