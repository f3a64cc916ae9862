`timescale 1 ps/1 ps

// Testbench for tb_gray_counter: RefModule and TopModule side by side, same stimulus,
// outputs compared on both clock edges.
module tb;
    reg clk = 1'b0;
    initial forever
        #5 clk = ~clk;

    reg        reset;
    reg        en;
    wire [3:0] gray_ref;
    wire [3:0] gray_dut;

    RefModule good1 (
        .clk  (clk),
        .reset(reset),
        .en   (en),
        .gray (gray_ref)
    );

    TopModule top_module1 (
        .clk  (clk),
        .reset(reset),
        .en   (en),
        .gray (gray_dut)
    );

    // Deterministic stimulus: xorshift32 with a fixed seed.
    reg [31:0] rng;
    function [31:0] xorshift32(input [31:0] s);
        reg [31:0] t;
        begin
            t = s ^ (s << 13);
            t = t ^ (t >> 17);
            xorshift32 = t ^ (t << 5);
        end
    endfunction

    integer clocks = 0;
    integer errors = 0;
    time    errortime = 0;
    integer errors_gray = 0;
    time    errortime_gray = 0;

    // An X in the reference is a don't-care; an X from the design matches only X.
    wire tb_match = ({gray_ref} === ({gray_ref} ^ {gray_dut} ^ {gray_ref}));

    always @(posedge clk, negedge clk) begin
        clocks = clocks + 1;
        if (!tb_match) begin
            if (errors == 0) errortime = $time;
            errors = errors + 1;
        end
        if (gray_ref !== (gray_ref ^ gray_dut ^ gray_ref)) begin
            if (errors_gray == 0) errortime_gray = $time;
            errors_gray = errors_gray + 1;
        end
    end

    initial begin
        rng = 32'h2545_F491;
        reset <= 1'b1;
        en <= 1'b0;
        repeat (3) @(negedge clk);
        en <= 1'b1;
        @(negedge clk);
        reset <= 1'b0;
        // Count freely for a full wrap, then random enable with occasional resets.
        repeat (20) @(negedge clk);
        repeat (400) @(negedge clk) begin
            rng = xorshift32(rng);
            reset <= (rng[4:0] == 5'd0);
            en <= (rng[9:8] != 2'd0);
        end
        #1 $finish;
    end

    final begin
        if (errors_gray != 0)
            $display("Hint: Output '%s' has %0d mismatches. First mismatch occurred at time %0d.", "gray", errors_gray, errortime_gray);
        else
            $display("Hint: Output '%s' has no mismatches.", "gray");
        $display("Hint: Total mismatched samples is %1d out of %1d samples\n", errors, clocks);
        $display("Simulation finished at %0d ps", $time);
        $display("Mismatches: %1d in %1d samples", errors, clocks);
    end

    initial begin
        #1000000;
        $display("TIMEOUT");
        $finish;
    end
endmodule
