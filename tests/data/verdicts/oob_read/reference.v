module RefModule (input clk, input we, input [2:0] waddr, input [7:0] wdata, input [2:0] raddr,
                  output [7:0] rdata);
    reg [7:0] mem [0:5];
    always @(posedge clk)
        if (we && waddr < 3'd6) mem[waddr] <= wdata;
    assign rdata = (raddr < 3'd6) ? mem[raddr] : 8'h00;
endmodule
