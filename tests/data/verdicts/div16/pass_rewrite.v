module TopModule (input [15:0] a, input [15:0] b, output reg [15:0] q, output reg [15:0] r);
    always @* begin
        if (|b) begin
            q = a / b;
            r = a % b;
        end else begin
            q = {16{1'b1}};
            r = a;
        end
    end
endmodule
