`timescale 1 ps/1 ps

// Testbench for tb_edge_detect: RefModule and TopModule side by side, same stimulus,
// outputs compared on both clock edges.
module tb;
    reg clk = 1'b0;
    initial forever
        #5 clk = ~clk;

    reg        rst_n;
    reg  [7:0] in;
    wire [7:0] rise_ref, fall_ref;
    wire [7:0] rise_dut, fall_dut;

    RefModule good1 (
        .clk  (clk),
        .rst_n(rst_n),
        .in   (in),
        .rise (rise_ref),
        .fall (fall_ref)
    );

    TopModule top_module1 (
        .clk  (clk),
        .rst_n(rst_n),
        .in   (in),
        .rise (rise_dut),
        .fall (fall_dut)
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
    integer errors_rise = 0;
    time    errortime_rise = 0;
    integer errors_fall = 0;
    time    errortime_fall = 0;

    // An X in the reference is a don't-care; an X from the design matches only X.
    wire tb_match = ({rise_ref, fall_ref} === ({rise_ref, fall_ref} ^ {rise_dut, fall_dut} ^ {rise_ref, fall_ref}));

    always @(posedge clk, negedge clk) begin
        clocks = clocks + 1;
        if (!tb_match) begin
            if (errors == 0) errortime = $time;
            errors = errors + 1;
        end
        if (rise_ref !== (rise_ref ^ rise_dut ^ rise_ref)) begin
            if (errors_rise == 0) errortime_rise = $time;
            errors_rise = errors_rise + 1;
        end
        if (fall_ref !== (fall_ref ^ fall_dut ^ fall_ref)) begin
            if (errors_fall == 0) errortime_fall = $time;
            errors_fall = errors_fall + 1;
        end
    end

    initial begin
        rng = 32'h0BAD_5EED;
        rst_n <= 1'b0;
        in <= 8'h00;
        repeat (2) @(negedge clk);
        rst_n <= 1'b1;
        repeat (400) @(negedge clk) begin
            rng = xorshift32(rng);
            // Toggle about a quarter of the bits each cycle.
            in <= in ^ (rng[7:0] & rng[15:8]);
            // Occasionally assert the asynchronous reset between clock edges for one
            // cycle.
            rst_n <= (rng[22:18] != 5'd0);
        end
        #1 $finish;
    end

    final begin
        if (errors_rise != 0)
            $display("Hint: Output '%s' has %0d mismatches. First mismatch occurred at time %0d.", "rise", errors_rise, errortime_rise);
        else
            $display("Hint: Output '%s' has no mismatches.", "rise");
        if (errors_fall != 0)
            $display("Hint: Output '%s' has %0d mismatches. First mismatch occurred at time %0d.", "fall", errors_fall, errortime_fall);
        else
            $display("Hint: Output '%s' has no mismatches.", "fall");
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
