"""X handled per engine, and Verilator's false fails (issue 11, causes 5 and 6;
reward/engine_verilator_x.c, docs/x_handling.md).

Our own small problems, each scored under engine=icarus, verilator and auto, the expected verdict
decided OUTSIDE the server by iverilog on a hand-written testbench (golden and candidate side by
side, VerilogEval's X rule: a golden X is a don't-care, a candidate X matches only X):
- division by zero (Verilator's x/0 is 0, Icarus's X), in the golden and in the candidate;
- out-of-range array reads and bit-selects (Verilator: 0, Icarus: X);
- a candidate register with no reset or initial value whose value reaches an output;
- a golden with registers without reset, against itself and a rewrite (failed under Verilator
  when golden and candidate started from different random values);
- `#` delays: `q <= #1 d` and `assign #1` (were a Verilator syntax verdict), a wrong design with
  delays (a function verdict), delays too long to drop and statement delays (Icarus judges);
- a port named like a C++ word (`set`), which Verilator renames (was a syntax verdict).
Long-run copies of the problems with a reset make `auto` pick Verilator."""
import os
import re
import subprocess
import tempfile

import harness
from harness import fence

ENGINES = ("icarus", "verilator", "auto")
LONG = 16000  # cycles: auto picks Verilator from ~15,000 on (engine_pick's cost model)

# id -> (reference, inputs [(name, width)], outputs, clock, reset (active high) or None)
PROBLEMS = {
    "xv_div0": ("module RefModule(input [7:0] a, input [1:0] b, output [7:0] q);\n"
                "  assign q = (b == 2'd0) ? 8'd0 : a / b;\nendmodule\n",
                [("a", 8), ("b", 2)], [("q", 8)], None, None),
    "xv_divx": ("module RefModule(input [7:0] a, input [1:0] b, output [7:0] q);\n"
                "  assign q = a / b;\nendmodule\n",
                [("a", 8), ("b", 2)], [("q", 8)], None, None),
    "xv_rom": ("module RefModule(input [2:0] i, input [4:0] v, output reg [7:0] q, output y);\n"
               "  always @* case (i) 3'd0: q = 8'd7; 3'd1: q = 8'd9; 3'd2: q = 8'd21;\n"
               "    3'd3: q = 8'd40; 3'd4: q = 8'd66; 3'd5: q = 8'd99; default: q = 8'd0; endcase\n"
               "  assign y = (i < 3'd5) ? v[i] : 1'b0;\nendmodule\n",
               [("i", 3), ("v", 5)], [("q", 8), ("y", 1)], None, None),
    "xv_flag": ("module RefModule(input clk, input [3:0] st, output reg f);\n"
                "  initial f = 1'b0;\n"
                "  always @(posedge clk) if (st == 4'hf) f <= 1'b1;\nendmodule\n",
                [("st", 4)], [("f", 1)], "clk", None),
    "xv_rflag": ("module RefModule(input clk, input rst, input [3:0] st, output reg f);\n"
                 "  always @(posedge clk) if (rst) f <= 1'b0; else if (st == 4'hf) f <= ~f;\n"
                 "endmodule\n",
                 [("st", 4)], [("f", 1)], "clk", "rst"),
    "xv_shreg": ("module RefModule(input clk, input rst, input d, output q, output reg [3:0] n);\n"
                 "  reg s1, s2, s3;\n"
                 "  always @(posedge clk) begin s1 <= d; s2 <= s1; s3 <= s2; end\n"
                 "  assign q = s3;\n"
                 "  always @(posedge clk) if (rst) n <= 4'd0; else n <= n + 4'd1;\nendmodule\n",
                 [("d", 1)], [("q", 1), ("n", 4)], "clk", "rst"),
    "xv_dly": ("module RefModule(input clk, input rst, input a, input b, input d, output reg q,\n"
               "                 output y);\n"
               "  always @(posedge clk) if (rst) q <= 1'b0; else q <= d;\n"
               "  assign y = a & b;\nendmodule\n",
               [("a", 1), ("b", 1), ("d", 1)], [("q", 1), ("y", 1)], "clk", "rst"),
    "xv_cxx": ("module RefModule(input clk, input rst, input [1:0] set, output reg q);\n"
               "  always @(posedge clk) if (rst) q <= 1'b0; else if (set == 2'd3) q <= ~q;\n"
               "endmodule\n",
               [("set", 2)], [("q", 1)], "clk", "rst"),
}
LONG_OF = {"xv_rflag": "xv_rflag_long", "xv_shreg": "xv_shreg_long", "xv_dly": "xv_dly_long"}

DLY_HEAD = "module TopModule(input clk, input rst, input a, input b, input d, output reg q,\n" \
           "                 output y);\n"
# (problem, label, candidate); what Verilator must do with it: "verilator" (it judges),
# or the start of the reason Icarus judges instead.
CASES = [
    ("xv_div0", "divides without the guard",
     "module TopModule(input [7:0] a, input [1:0] b, output [7:0] q);\n"
     "  assign q = a / b;\nendmodule\n", "the golden divides"),
    ("xv_div0", "guard rewritten",
     "module TopModule(input [7:0] a, input [1:0] b, output [7:0] q);\n"
     "  assign q = (b != 2'd0) ? a / b : 8'd0;\nendmodule\n", "the golden divides"),
    ("xv_divx", "returns ff on divide-by-zero",
     "module TopModule(input [7:0] a, input [1:0] b, output [7:0] q);\n"
     "  assign q = (b == 2'd0) ? 8'hff : a / b;\nendmodule\n", "the golden divides"),
    ("xv_divx", "modulo instead",
     "module TopModule(input [7:0] a, input [1:0] b, output [7:0] q);\n"
     "  assign q = a % b;\nendmodule\n", "the golden divides"),
    ("xv_rom", "array and bit-select read out of range",
     "module TopModule(input [2:0] i, input [4:0] v, output [7:0] q, output y);\n"
     "  reg [7:0] rom [0:5];\n"
     "  initial begin rom[0] = 8'd7; rom[1] = 8'd9; rom[2] = 8'd21; rom[3] = 8'd40;\n"
     "    rom[4] = 8'd66; rom[5] = 8'd99; end\n"
     "  assign q = rom[i];\n  assign y = (i < 3'd5) ? v[i] : 1'b0;\nendmodule\n",
     "the candidate reads undefined"),
    ("xv_rom", "bit-select read out of range",
     "module TopModule(input [2:0] i, input [4:0] v, output reg [7:0] q, output y);\n"
     "  always @* case (i) 3'd0: q = 8'd7; 3'd1: q = 8'd9; 3'd2: q = 8'd21;\n"
     "    3'd3: q = 8'd40; 3'd4: q = 8'd66; 3'd5: q = 8'd99; default: q = 8'd0; endcase\n"
     "  assign y = v[i];\nendmodule\n", "the candidate reads undefined"),
    ("xv_rom", "array read guarded",
     "module TopModule(input [2:0] i, input [4:0] v, output [7:0] q, output y);\n"
     "  reg [7:0] rom [0:5];\n"
     "  initial begin rom[0] = 8'd7; rom[1] = 8'd9; rom[2] = 8'd21; rom[3] = 8'd40;\n"
     "    rom[4] = 8'd66; rom[5] = 8'd99; end\n"
     "  assign q = (i < 3'd6) ? rom[i] : 8'd0;\n  assign y = (i < 3'd5) ? v[i] : 1'b0;\n"
     "endmodule\n", "verilator"),
    ("xv_flag", "register without initial value",
     "module TopModule(input clk, input [3:0] st, output reg f);\n"
     "  always @(posedge clk) if (st == 4'hf) f <= 1'b1;\nendmodule\n",
     "the candidate reads undefined"),
    ("xv_flag", "declaration initialiser",
     "module TopModule(input clk, input [3:0] st, output reg f = 1'b0);\n"
     "  always @(posedge clk) if (&st) f <= 1'b1;\nendmodule\n", "verilator"),
    ("xv_rflag", "reset dropped",
     "module TopModule(input clk, input rst, input [3:0] st, output reg f);\n"
     "  always @(posedge clk) if (st == 4'hf) f <= ~f;\nendmodule\n",
     "the candidate reads undefined"),
    ("xv_rflag", "rewrite",
     "module TopModule(input clk, input rst, input [3:0] st, output reg f);\n"
     "  always @(posedge clk) f <= rst ? 1'b0 : f ^ (&st);\nendmodule\n", "verilator"),
    ("xv_shreg", "the reference",
     PROBLEMS["xv_shreg"][0].replace("RefModule", "TopModule"), "the golden reads undefined"),
    ("xv_shreg", "one vector register",
     "module TopModule(input clk, input rst, input d, output q, output reg [3:0] n);\n"
     "  reg [2:0] sh;\n  always @(posedge clk) sh <= {sh[1:0], d};\n  assign q = sh[2];\n"
     "  always @(posedge clk) n <= rst ? 4'd0 : n + 4'd1;\nendmodule\n",
     "the golden reads undefined"),
    ("xv_shreg", "one stage short",
     "module TopModule(input clk, input rst, input d, output q, output reg [3:0] n);\n"
     "  reg [1:0] sh;\n  always @(posedge clk) sh <= {sh[0], d};\n  assign q = sh[1];\n"
     "  always @(posedge clk) n <= rst ? 4'd0 : n + 4'd1;\nendmodule\n",
     "the golden reads undefined"),
    ("xv_cxx", "the reference",
     "module TopModule(input clk, input rst, input [1:0] set, output reg q);\n"
     "  always @(posedge clk) q <= rst ? 1'b0 : q ^ (&set);\nendmodule\n",
     "a port name is a C++ word"),
    ("xv_cxx", "wrong",
     "module TopModule(input clk, input rst, input [1:0] set, output reg q);\n"
     "  always @(posedge clk) q <= rst ? 1'b0 : q ^ (|set);\nendmodule\n",
     "a port name is a C++ word"),
    ("xv_dly", "nonblocking and assign delays",
     DLY_HEAD + "  always @(posedge clk) if (rst) q <= #1 1'b0; else q <= #1 d;\n"
     "  assign #1 y = a & b;\nendmodule\n", "verilator"),
    ("xv_dly", "wrong, with delays",
     DLY_HEAD + "  always @(posedge clk) if (rst) q <= #1 1'b0; else q <= #1 d;\n"
     "  assign #1 y = a | b;\nendmodule\n", "verilator"),
    ("xv_dly", "delay too long for the harness",
     DLY_HEAD + "  always @(posedge clk) if (rst) q <= 1'b0; else q <= d;\n"
     "  assign #7 y = a & b;\nendmodule\n", "the delays add up"),
    ("xv_dly", "statement delay",
     DLY_HEAD + "  always @(posedge clk) begin #1 if (rst) q = 1'b0; else q = d; end\n"
     "  assign y = a & b;\nendmodule\n", "the candidate has event controls"),
]


def _oracle_tb(ins, outs, clk, rst, cycles):
    """A testbench of our own: inputs from $random 2 units after each clock edge (all of them
    exhaustively cycled for combinational problems), outputs compared 6 units later with the X
    rule, the first two samples not compared (before the first edge of each polarity)."""
    w = lambda n: "[%d:0] " % (n - 1) if n > 1 else ""
    t = ["module oracle_tb;"]
    if clk:
        t.append("  reg %s = 1'b0;" % clk)
    if rst:
        t.append("  reg %s = 1'b1;" % rst)
    for n, k in ins:
        t.append("  reg %s%s;" % (w(k), n))
    for n, k in outs:
        t.append("  wire %sg_%s, c_%s;" % (w(k), n, n))
    ports = ([clk] if clk else []) + ([rst] if rst else []) + [n for n, _ in ins]
    for mod, pre in (("RefModule", "g_"), ("TopModule", "c_")):
        conn = ["." + p + "(" + p + ")" for p in ports] + \
               [".%s(%s%s)" % (n, pre, n) for n, _ in outs]
        t.append("  %s u_%s(%s);" % (mod, pre[0], ", ".join(conn)))
    t.append("  integer k, m, s, bits;")
    t.append("  initial begin m = 0; s = 0;")
    total = sum(k for _, k in ins)
    t.append("    for (k = 0; k < %d; k = k + 1) begin" % (2 * cycles))
    t.append("      #2;")
    if rst:
        t.append("      if (k == 4) %s = 1'b0;" % rst)
    if clk:
        for n, k in ins:
            t.append("      %s = $random;" % n)
    else:
        # combinational: every input combination in turn
        t.append("      bits = k;")
        for n, k in ins:
            t.append("      %s = bits; bits = bits >> %d;" % (n, k))
        assert total < 16
    t.append("      #6;")
    t.append("      if (k >= 2) begin s = s + 1;")
    cond = " || ".join("(g_%s !== (g_%s ^ c_%s ^ g_%s))" % (n, n, n, n) for n, _ in outs)
    t.append("        if (%s) m = m + 1; end" % cond)
    t.append("      #2;")
    if clk:
        t.append("      %s = ~%s;" % (clk, clk))
    t.append("    end")
    t.append('    $display("ORACLE %0d %0d", s, m); $finish;')
    t.append("  end\nendmodule\n")
    return "\n".join(t)


def oracle(pid, cand):
    """True when iverilog, on our own testbench, finds no mismatch."""
    ref, ins, outs, clk, rst = PROBLEMS[pid]
    cycles = 300 if clk else max(300, 1 << sum(k for _, k in ins))
    with tempfile.TemporaryDirectory(prefix="rtlr-xver-") as d:
        for name, text in (("ref.v", ref), ("cand.v", cand),
                           ("tb.v", _oracle_tb(ins, outs, clk, rst, cycles))):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        c = subprocess.run(["iverilog", "-g2012", "-o", "sim", "-s", "oracle_tb", "tb.v", "ref.v",
                            "cand.v"], cwd=d, capture_output=True, text=True, timeout=60)
        assert c.returncode == 0, c.stderr
        r = subprocess.run(["vvp", "-n", "sim"], cwd=d, capture_output=True, text=True,
                           timeout=60)
        m = re.search(r"ORACLE (\d+) (\d+)", r.stdout)
        assert m and int(m.group(1)) > 0, r.stdout + r.stderr
        return int(m.group(2)) == 0


def _register(s, long_ones=False):
    for pid, (ref, ins, outs, clk, rst) in PROBLEMS.items():
        ids = [(pid, None)] + ([(LONG_OF[pid], LONG)] if long_ones and pid in LONG_OF else [])
        for rid, cycles in ids:
            body = {"id": rid, "reference": ref, "top": "TopModule", "ref_top": "RefModule",
                    "mode": "equivalence"}
            if cycles:
                body["cycles"] = cycles
            st, out = s.json("POST", "/v1/problems", body)
            assert st in (200, 201), (rid, st, out)


_EXPECT = {}


def _expected(pid, label, cand):
    if (pid, label) not in _EXPECT:
        _EXPECT[(pid, label)] = oracle(pid, cand)
    return _EXPECT[(pid, label)]


def _check(r, pid, label, expect, engine, how):
    f = r["function"]
    assert r["status"] == "OK", (pid, label, engine, r.get("error"))
    assert r["syntax"]["ok"], (pid, label, engine, r["syntax"])
    assert f["checked"], (pid, label, engine, f)
    assert f["passed"] == expect, (pid, label, engine, expect, f)
    if not expect:
        assert f["mismatches"] > 0 and f["first_mismatch"]["signal"], (pid, label, engine, f)
    if engine == "verilator":
        if how == "verilator":
            assert f["engine"] == "verilator", (pid, label, f)
            assert f["note"].startswith("verilator (2-state): the same outputs"), f
        else:
            assert f["engine"] == "icarus", (pid, label, f)
            assert ("ran under Icarus: " + how) in f["note"], (pid, label, f)


def _run(s, cases, long_ones=False):
    _register(s, long_ones)
    items, exp = [], []
    for pid, label, cand, how in cases:
        exp.append(_expected(pid, label, cand))
        items.append((pid, fence(cand)))
    for engine in ENGINES:
        res = s.score(items, engine=engine, mode="equivalence", no_cache=True)
        for (pid, label, _, how), e, r in zip(cases, exp, res):
            _check(r, pid, label, e, engine, how)
    return exp


def _cases(prefix):
    return [c for c in CASES if c[0].startswith(prefix)]


def test_division_by_zero(s):
    exp = _run(s, _cases("xv_div"))
    # the oracle's verdicts: the golden's X on b == 0 is a don't-care, the candidate's is not
    assert exp == [False, True, True, False], exp


def test_out_of_range_reads(s):
    exp = _run(s, _cases("xv_rom"))
    assert exp == [False, False, True], exp


def test_register_without_reset_or_initial_value(s):
    exp = _run(s, _cases("xv_flag") + _cases("xv_rflag"))
    assert exp == [False, True, False, True], exp


def test_golden_register_without_reset(s):
    exp = _run(s, _cases("xv_shreg"))
    assert exp == [True, True, False], exp


def test_delays(s):
    exp = _run(s, _cases("xv_dly"))
    assert exp == [True, False, False, True], exp


def test_port_named_like_a_cxx_word(s):
    """A port Verilator renames (`set` is a C++ word: member __SYM__set) used to make the
    harness fail to compile, a syntax verdict for every candidate; Icarus judges now."""
    exp = _run(s, _cases("xv_cxx"))
    assert exp == [True, False], exp


def test_auto_long_runs(s):
    """Long simulations of the problems with a reset: auto picks Verilator, which hands what it
    cannot judge to Icarus; every verdict is the oracle's."""
    _register(s, long_ones=True)
    pick = {("xv_rflag", "reset dropped"), ("xv_shreg", "the reference"),
            ("xv_dly", "wrong, with delays")}
    cases = [c for c in CASES if (c[0], c[1]) in pick]
    items = [(LONG_OF[pid], fence(cand)) for pid, _, cand, _ in cases]
    res = s.score(items, engine="auto", mode="equivalence", no_cache=True)
    for (pid, label, cand, how), r in zip(cases, res):
        f = r["function"]
        _check(r, pid, label, _expected(pid, label, cand), "auto", how)
        assert f["note"].startswith("auto: verilator"), (pid, label, f)
        assert f["engine"] == ("verilator" if how == "verilator" else "icarus"), (pid, label, f)


TB_REF = ("module RefModule(input clk, input rst, input [3:0] st, output reg f);\n"
          "  always @(posedge clk) if (rst) f <= 1'b0; else if (st == 4'hf) f <= ~f;\n"
          "endmodule\n")
TB = r"""`timescale 1 ps/1 ps
module tb;
    reg clk = 1'b0;
    initial forever #5 clk = ~clk;
    reg rst;
    reg [3:0] st;
    wire f_ref, f_dut;
    RefModule good1 (.clk(clk), .rst(rst), .st(st), .f(f_ref));
    TopModule top_module1 (.clk(clk), .rst(rst), .st(st), .f(f_dut));
    integer clocks = 0, errors = 0;
    always @(posedge clk, negedge clk) begin
        clocks = clocks + 1;
        if (f_ref !== (f_ref ^ f_dut ^ f_ref)) errors = errors + 1;
    end
    reg [31:0] rng;
    initial begin
        rng = 32'h1234_5678;
        rst <= 1'b1; st <= 4'h0;
        repeat (2) @(negedge clk);
        rst <= 1'b0;
        repeat (300) @(negedge clk) begin
            rng = rng ^ (rng << 13); rng = rng ^ (rng >> 17); rng = rng ^ (rng << 5);
            st <= rng[3:0];
        end
        #1 $finish;
    end
    final $display("Mismatches: %1d in %1d samples", errors, clocks);
endmodule
"""
TB_CASES = [
    ("reset dropped", "module TopModule(input clk, input rst, input [3:0] st, output reg f);\n"
     "  always @(posedge clk) if (st == 4'hf) f <= ~f;\nendmodule\n",
     "testbench ran under Icarus: the verdict changes when undefined bits start at"),
    ("rewrite", "module TopModule(input clk, input rst, input [3:0] st, output reg f);\n"
     "  always @(posedge clk) f <= rst ? 1'b0 : f ^ (&st);\nendmodule\n", "verilator --timing"),
]


def _tb_oracle(cand):
    with tempfile.TemporaryDirectory(prefix="rtlr-xver-") as d:
        for name, text in (("ref.v", TB_REF), ("cand.v", cand), ("tb.v", TB)):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        c = subprocess.run(["iverilog", "-g2012", "-o", "sim", "-s", "tb", "tb.v", "ref.v",
                            "cand.v"], cwd=d, capture_output=True, text=True, timeout=60)
        assert c.returncode == 0, c.stderr
        r = subprocess.run(["vvp", "-n", "sim"], cwd=d, capture_output=True, text=True,
                           timeout=60)
        m = re.search(r"Mismatches: (\d+) in (\d+) samples", r.stdout)
        assert m and int(m.group(2)) > 0, r.stdout + r.stderr
        return int(m.group(1)) == 0


def test_testbench_mode(s):
    """The problem's own testbench under Verilator runs with undefined bits 0 and 1 too: a
    candidate whose verdict changes (a dropped reset: passed under Verilator, where its register
    started at 0 like the golden's) is judged by Icarus. (Not random: golden and candidate would
    start from different values where both are undefined, e.g. before the first reset edge,
    where the golden's X is a don't-care.)"""
    st, out = s.json("POST", "/v1/problems", {"id": "xv_tb_flag", "reference": TB_REF,
                                              "top": "TopModule", "ref_top": "RefModule",
                                              "mode": "testbench", "testbench": TB})
    assert st in (200, 201), (st, out)
    exp = [_tb_oracle(c) for _, c, _ in TB_CASES]
    assert exp == [False, True], exp
    items = [("xv_tb_flag", fence(c)) for _, c, _ in TB_CASES]
    for engine in ENGINES:
        res = s.score(items, engine=engine, mode="testbench", no_cache=True)
        for (label, _, how), e, r in zip(TB_CASES, exp, res):
            f = r["function"]
            assert r["status"] == "OK", (label, engine, r.get("error"))
            assert f["checked"] and f["passed"] == e, (label, engine, e, f)
            if engine == "verilator":
                assert f["note"].startswith(how), (label, f)
