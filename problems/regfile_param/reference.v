// 8-entry register file, WIDTH bits per entry, one write port and two combinational read
// ports. Register 0 always reads as zero. Synchronous active-high reset clears all entries.
module RefModule #(
    parameter WIDTH = 12
) (
    input              clk,
    input              rst,
    input              we,
    input  [2:0]       waddr,
    input  [WIDTH-1:0] wdata,
    input  [2:0]       raddr0,
    input  [2:0]       raddr1,
    output [WIDTH-1:0] rdata0,
    output [WIDTH-1:0] rdata1
);
    reg [WIDTH-1:0] regs [0:7];
    integer i;

    always @(posedge clk) begin
        if (rst) begin
            for (i = 0; i < 8; i = i + 1)
                regs[i] <= {WIDTH{1'b0}};
        end else if (we && waddr != 3'd0) begin
            regs[waddr] <= wdata;
        end
    end

    assign rdata0 = (raddr0 == 3'd0) ? {WIDTH{1'b0}} : regs[raddr0];
    assign rdata1 = (raddr1 == 3'd0) ? {WIDTH{1'b0}} : regs[raddr1];
endmodule
