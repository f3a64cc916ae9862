module TopModule (input clk, input we, input [2:0] waddr, input [7:0] wdata, input [2:0] raddr,
                  output [7:0] rdata);
    reg [7:0] mem [0:7];
    always @(posedge clk)
        if (we && waddr <= 3'd5) mem[waddr] <= wdata;
    assign rdata = (raddr > 3'd5) ? 8'h00 : mem[raddr];
endmodule
