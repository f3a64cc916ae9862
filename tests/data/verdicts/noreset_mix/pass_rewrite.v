module TopModule (input clk, input reset, input en, input [7:0] d, output [7:0] y);
    reg [7:0] c, q;
    always @(posedge clk) begin
        c <= reset ? 8'd0 : c + 8'd1;
        q <= en ? d : q;
    end
    assign y = c ^ q;
endmodule
