module TopModule (input clk, input aset, input [7:0] d, output reg [7:0] q);
    always @(posedge clk or posedge aset)
        if (aset) q <= 8'hFF;
        else q <= q - d;
endmodule
