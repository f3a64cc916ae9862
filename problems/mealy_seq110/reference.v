// Mealy detector for the sequence 1-1-0, asynchronous active-high reset.
module RefModule (
    input  clk,
    input  areset,
    input  x,
    output z
);
    localparam [1:0] S_0  = 2'd0,  // last input was 0, or nothing seen
                     S_1  = 2'd1,  // last input was 1, the one before was not
                     S_11 = 2'd2;  // last two inputs were 1, 1

    reg [1:0] state;

    always @(posedge clk or posedge areset) begin
        if (areset)
            state <= S_0;
        else case (state)
            S_0:     state <= x ? S_1  : S_0;
            S_1:     state <= x ? S_11 : S_0;
            S_11:    state <= x ? S_11 : S_0;
            default: state <= 2'bxx;   // unused code, or unknown before the first reset
        endcase
    end

    // Mealy output: depends on the state and the current input.
    assign z = (state == S_11) && !x;
endmodule
