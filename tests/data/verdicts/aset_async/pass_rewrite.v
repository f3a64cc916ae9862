module TopModule (input clk, input aset, input [7:0] d, output reg [7:0] q);
    always @(posedge aset or posedge clk) begin
        if (aset == 1'b1) q <= {8{1'b1}};
        else q <= d + q;
    end
endmodule
