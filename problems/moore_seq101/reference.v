// Moore detector for the overlapping sequence 1-0-1, synchronous active-high reset.
module RefModule (
    input  clk,
    input  reset,
    input  x,
    output z
);
    localparam [1:0] S_IDLE = 2'd0,  // no useful history
                     S_1    = 2'd1,  // seen "1"
                     S_10   = 2'd2,  // seen "10"
                     S_101  = 2'd3;  // seen "101": output high

    reg [1:0] state, next;

    always @(*) begin
        case (state)
            S_IDLE:  next = x ? S_1   : S_IDLE;
            S_1:     next = x ? S_1   : S_10;
            S_10:    next = x ? S_101 : S_IDLE;
            S_101:   next = x ? S_1   : S_10;   // overlaps into "1" or "10"
            default: next = 2'bxx;              // only an unknown (unreset) state gets here
        endcase
    end

    always @(posedge clk) begin
        if (reset)
            state <= S_IDLE;
        else
            state <= next;
    end

    assign z = (state == S_101);
endmodule
