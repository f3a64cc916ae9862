"""The equivalence harness's stimulus (docs/stimulus.md, issue 11 causes 1, 2, 3 and 7): the
project's own small problems, each with mutants that must fail and equivalent rewrites that
must pass, under the engines icarus, verilator and auto. Every expectation is first confirmed
outside the server by a hand-written Icarus testbench (the oracle below, run with iverilog
directly): a mutant must differ from the golden on a directed vector, a rewrite must agree on
directed and random vectors. Also: the two engines draw the identical stimulus (the coverage
digest and the first mismatch agree), coverage fields, registration warnings."""
import os
import shutil
import tempfile

import harness
from harness import fence, run_tools

ENGINES = ("icarus", "verilator", "auto")

# ---- problems: (id, golden, settings, oracle ports, oracle body, candidates) --------------------
# candidates: name -> (must_pass, text). Oracle ports: [(dir, name, width)].

CMP = """module RefModule(input [31:0] a, output eq, output gt);
  assign eq = (a == 32'hDEADBEEF);
  assign gt = (a > 32'd1000000);
endmodule"""
CMP_CANDS = {
    "m_typo_const": (False, """module TopModule(input [31:0] a, output eq, output gt);
  assign eq = (a == 32'hDEADBEFF);
  assign gt = (a > 32'd1000000);
endmodule"""),
    "m_off_by_one": (False, """module TopModule(input [31:0] a, output eq, output gt);
  assign eq = (a == 32'hDEADBEEF);
  assign gt = (a >= 32'd1000000);
endmodule"""),
    "m_all_ones": (False, """module TopModule(input [31:0] a, output eq, output gt);
  assign eq = (a == 32'hDEADBEEF);
  assign gt = ((a + 32'd1) > 32'd1000001);
endmodule"""),
    "r_xor": (True, """module TopModule(input [31:0] a, output eq, output gt);
  assign eq = ~|(a ^ 32'hDEADBEEF);
  assign gt = !(a <= 32'd1000000);
endmodule"""),
    "r_ge": (True, """module TopModule(input [31:0] a, output eq, output gt);
  assign eq = a == 32'd3735928559;
  assign gt = a >= 32'd1000001;
endmodule"""),
}
CMP_ORACLE = """
    a = 32'hDEADBEEF; #1 chk; a = 32'hDEADBEFF; #1 chk; a = 32'd1000000; #1 chk;
    a = 32'hFFFFFFFF; #1 chk; a = 32'd1000001; #1 chk;
    repeat (3000) begin a = $random; #1 chk; end
"""

DIV = """module RefModule(input [15:0] a, input [15:0] b, output [15:0] q, output [15:0] r);
  assign q = (b == 16'd0) ? 16'hFFFF : a / b;
  assign r = (b == 16'd0) ? a : a % b;
endmodule"""
DIV_CANDS = {
    "m_equal": (False, """module TopModule(input [15:0] a, input [15:0] b, output [15:0] q, output [15:0] r);
  assign q = (b == 16'd0) ? 16'hFFFF : (a > b) ? a / b : 16'd0;
  assign r = (b == 16'd0) ? a : (a > b) ? a % b : a;
endmodule"""),
    "m_by_zero": (False, """module TopModule(input [15:0] a, input [15:0] b, output [15:0] q, output [15:0] r);
  assign q = (b == 16'd0) ? 16'h0000 : a / b;
  assign r = (b == 16'd0) ? a : a % b;
endmodule"""),
    "r_sub": (True, """module TopModule(input [15:0] a, input [15:0] b, output [15:0] q, output [15:0] r);
  assign q = b ? a / b : {16{1'b1}};
  assign r = b ? a - (a / b) * b : a;
endmodule"""),
}
DIV_ORACLE = """
    a = 5; b = 5; #1 chk; a = 16'd1234; b = 16'd1234; #1 chk; a = 7; b = 0; #1 chk;
    a = 0; b = 0; #1 chk; a = 16'hFFFF; b = 16'hFFFF; #1 chk;
    repeat (3000) begin a = $random; b = $random; #1 chk; end
"""

MUL = """module RefModule(input signed [7:0] a, input signed [7:0] b, output signed [15:0] p);
  assign p = a * b;
endmodule"""
MUL_CANDS = {
    "m_min_min": (False, """module TopModule(input signed [7:0] a, input signed [7:0] b, output signed [15:0] p);
  wire [7:0] ma = a[7] ? -a : a;
  wire [7:0] mb = b[7] ? -b : b;
  wire [13:0] m = ma * mb;
  assign p = (a[7] ^ b[7]) ? -$signed({2'b00, m}) : $signed({2'b00, m});
endmodule"""),
    "r_sign_mag": (True, """module TopModule(input signed [7:0] a, input signed [7:0] b, output signed [15:0] p);
  wire [7:0] ma = a[7] ? -a : a;
  wire [7:0] mb = b[7] ? -b : b;
  wire [15:0] m = ma * mb;
  assign p = (a[7] ^ b[7]) ? -m : m;
endmodule"""),
}
MUL_ORACLE = """
    for (i = 0; i < 65536; i = i + 1) begin a = i[7:0]; b = i[15:8]; #1 chk; end
"""

CNT = """module RefModule(input clk, input rst, output reg [15:0] cnt, output co);
  always @(posedge clk)
    if (rst) cnt <= 16'd0;
    else cnt <= cnt + 16'd1;
  assign co = (cnt == 16'hFFFF);
endmodule"""
CNT_CANDS = {
    "m_wrap": (False, """module TopModule(input clk, input rst, output reg [15:0] cnt, output co);
  always @(posedge clk)
    if (rst) cnt <= 16'd0;
    else cnt <= (cnt == 16'hFFFF) ? 16'd1 : cnt + 16'd1;
  assign co = (cnt == 16'hFFFF);
endmodule"""),
    "r_and": (True, """module TopModule(input clk, input rst, output reg [15:0] cnt, output co);
  always @(posedge clk) cnt <= rst ? 16'd0 : cnt + 1'b1;
  assign co = &cnt;
endmodule"""),
}
CNT_ORACLE = """
    clk = 0; rst = 1; repeat (4) #5 clk = ~clk; #2 rst = 0;
    repeat (10000) begin #5 clk = ~clk; #2 chk; end
"""

def _w12(text):
    return text.replace("[15:0]", "[11:0]").replace("16'hFFFF", "12'hFFF").replace(
        "16'd", "12'd")

CNT12 = _w12(CNT)
CNT12_CANDS = {k: (ok, _w12(t)) for k, (ok, t) in CNT_CANDS.items()}

TWO = """module RefModule(input clk_a, input clk_b, input [7:0] d, output reg [7:0] qa, output reg [7:0] qb);
  always @(posedge clk_a) qa <= d;
  always @(posedge clk_b) qb <= qa;
endmodule"""
TWO_CANDS = {
    "m_wrong_clock": (False, """module TopModule(input clk_a, input clk_b, input [7:0] d, output reg [7:0] qa, output reg [7:0] qb);
  always @(posedge clk_a) qa <= d;
  always @(posedge clk_a) qb <= qa;
endmodule"""),
    "r_blocks": (True, """module TopModule(input clk_a, input clk_b, input [7:0] d, output reg [7:0] qa, output reg [7:0] qb);
  always @(posedge clk_b) begin
    qb <= qa;
  end
  always @(posedge clk_a) begin
    qa <= d;
  end
endmodule"""),
}
TWO_ORACLE = """
    clk_a = 0; clk_b = 0; d = 0;
    fork
      repeat (400) #5 clk_a = ~clk_a;
      repeat (150) #13 clk_b = ~clk_b;
      repeat (1000) #2 begin d = $random; end
      repeat (1990) #1 chk;
    join
"""

NEG = """module RefModule(input clk, input rst, input [7:0] d, output reg [7:0] q);
  always @(negedge clk)
    if (rst) q <= 8'd0;
    else q <= d;
endmodule"""
NEG_CANDS = {
    "m_posedge": (False, """module TopModule(input clk, input rst, input [7:0] d, output reg [7:0] q);
  always @(posedge clk)
    if (rst) q <= 8'd0;
    else q <= d;
endmodule"""),
    "r_reset_via_assigns": (True, """module TopModule(input clk, input rst, input [7:0] d, output reg [7:0] q);
  wire r1, r2;
  assign r1 = rst;
  assign r2 = r1;
  always @(negedge clk)
    if (r2) q <= 8'd0;
    else q <= d;
endmodule"""),
}
NEG_ORACLE = """
    clk = 0; rst = 1; d = 0;
    repeat (3000) begin #2 rst = ($random % 8) == 0; d = $random; #3 clk = ~clk; #1 chk; end
"""

PROBLEMS = [
    ("st_cmp_const", CMP, {}, [("input", "a", 32), ("output", "eq", 1), ("output", "gt", 1)],
     CMP_ORACLE, CMP_CANDS),
    ("st_div", DIV, {}, [("input", "a", 16), ("input", "b", 16), ("output", "q", 16),
                         ("output", "r", 16)], DIV_ORACLE, DIV_CANDS),
    ("st_smul", MUL, {}, [("input", "a", 8), ("input", "b", 8), ("output", "p", 16)], MUL_ORACLE,
     MUL_CANDS),
    # deep state: the carry fires only after 4095 reset-free cycles
    ("st_cnt12", CNT12, {"cycles": 6000, "clocks": ["clk"],
                         "resets": [{"name": "rst", "active_low": False, "async": False}]},
     [("input", "clk", 1), ("input", "rst", 1), ("output", "cnt", 12), ("output", "co", 1)],
     CNT_ORACLE, CNT12_CANDS),
    ("st_twoclk", TWO, {"clocks": ["clk_a", "clk_b"]},
     [("input", "clk_a", 1), ("input", "clk_b", 1), ("input", "d", 8), ("output", "qa", 8),
      ("output", "qb", 8)], TWO_ORACLE, TWO_CANDS),
    ("st_negrst", NEG, {"clocks": ["clk"], "resets": [{"name": "rst", "active_low": False,
                                                      "async": False}]},
     [("input", "clk", 1), ("input", "rst", 1), ("input", "d", 8), ("output", "q", 8)],
     NEG_ORACLE, NEG_CANDS),
]


def _oracle_diffs(golden, cand, ports, body):
    """Runs golden and candidate side by side in a hand-written Icarus testbench: the number of
    checks where they differ (VerilogEval's X rule: an X in the golden is a don't-care)."""
    tmp = tempfile.mkdtemp(prefix="rtlr-oracle-")
    try:
        decl, conn_g, conn_c, chk = [], [], [], []
        for d, n, w in ports:
            rng = "[%d:0] " % (w - 1) if w > 1 else ""
            if d == "input":
                decl.append("  reg %s%s;" % (rng, n))
                conn_g.append(".%s(%s)" % (n, n))
                conn_c.append(".%s(%s)" % (n, n))
            else:
                decl.append("  wire %sg_%s, c_%s;" % (rng, n, n))
                conn_g.append(".%s(g_%s)" % (n, n))
                conn_c.append(".%s(c_%s)" % (n, n))
                chk.append("      if (g_%s !== (g_%s ^ c_%s ^ g_%s)) diffs = diffs + 1;" % (n, n, n, n))
        tb = "\n".join(["module oracle_tb;"] + decl + [
            "  integer diffs, i;",
            "  RefModule g(%s);" % ", ".join(conn_g),
            "  TopModule c(%s);" % ", ".join(conn_c),
            "  task chk;\n    begin"] + chk + ["    end\n  endtask",
            "  initial begin\n    diffs = 0;", body,
            '    $display("ORACLE %0d", diffs);\n    $finish;\n  end\nendmodule\n'])
        for name, text in (("tb.v", tb), ("g.v", golden), ("c.v", cand)):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        rc, out, err = run_tools(["iverilog", "-g2012", "-o", "o.vvp", "-s", "oracle_tb", "tb.v",
                                  "g.v", "c.v"], tmp, 60)
        assert rc == 0, err
        rc, out, err = run_tools(["vvp", "-n", "o.vvp"], tmp, 120)
        for line in out.splitlines():
            if line.startswith("ORACLE "):
                return int(line.split()[1])
        raise AssertionError("oracle did not finish: %s %s" % (out[-500:], err[-500:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _register(s, pid, golden, settings):
    body = {"id": pid, "reference": golden, "top": "TopModule", "ref_top": "RefModule"}
    body.update(settings)
    st, p = s.json("POST", "/v1/problems", body)
    assert st == 201, (st, p)
    return p


def _items():
    for pid, golden, _, _, _, cands in PROBLEMS:
        yield pid, "golden", True, golden.replace("RefModule", "TopModule")
        for name, (ok, text) in sorted(cands.items()):
            yield pid, name, ok, text


def test_stimulus_oracle_confirms_expectations(s):
    """Outside the server: every mutant differs from its golden, every rewrite agrees."""
    bad = []
    for pid, golden, _, ports, body, cands in PROBLEMS:
        for name, (ok, text) in sorted(cands.items()):
            diffs = _oracle_diffs(golden, text, ports, body)
            if (diffs == 0) != ok:
                bad.append((pid, name, diffs))
    assert not bad, bad


def test_stimulus_verdicts_all_engines(_s):
    """Every candidate under every engine; coverage; identical stimulus across engines (on a
    server of its own without the PPA tier: the verdicts are what is tested here)."""
    s = harness.Server.start(extra=["--ppa", "0"])
    try:
        _verdicts_all_engines(s)
    finally:
        s.stop()


def _verdicts_all_engines(s):
    for pid, golden, settings, _, _, _ in PROBLEMS:
        _register(s, pid, golden, settings)
    items = list(_items())
    by_engine = {}
    bad = []
    for eng in ENGINES:
        res = s.score([(pid, fence(text)) for pid, _, _, text in items], engine=eng)
        by_engine[eng] = res
        for (pid, name, ok, _), r in zip(items, res):
            f = r["function"]
            if r["status"] != "OK" or not f["checked"] or f["passed"] != ok:
                bad.append((eng, pid, name, r["status"], r["error"], f["passed"], f["reason"],
                            f["first_mismatch"]))
    assert not bad, "\n".join(map(str, bad))
    _check_coverage(items, by_engine["verilator"])
    # the same stimulus under both engines: digest of every drawn value, coverage counts, and
    # (combinational problems) the same first mismatch
    for (pid, name, ok, _), a, b in zip(items, by_engine["icarus"], by_engine["verilator"]):
        ca, cb = a["function"]["coverage"], b["function"]["coverage"]
        assert ca["stimulus_hash"] and ca == cb, (pid, name, ca, cb)
        assert a["function"]["samples"] == b["function"]["samples"], (pid, name)
        if not ok and pid in ("st_cmp_const", "st_div", "st_smul"):
            ma, mb = a["function"]["first_mismatch"], b["function"]["first_mismatch"]
            assert (ma["time"], ma["signal"], ma["expected"]) == \
                (mb["time"], mb["signal"], mb["expected"]), (pid, name, ma, mb)


def _check_coverage(items, res):
    """Coverage fields of the goldens' own runs (verilator)."""
    cov = {pid: r["function"]["coverage"] for (pid, name, _, _), r in zip(items, res)
           if name == "golden"}
    c = cov["st_cmp_const"]
    assert c["corner_total"] == 8 and c["corner_hits"] == 8, c
    assert c["constant_total"] >= 6 and c["constant_hits"] >= 6, c  # DEADBEEF, 1000000, +-1
    assert c["clocks"] == [] and c["reset_assertions"] == 0, c
    m = cov["st_smul"]
    assert m["joint_corner_samples"] > 20 and m["sibling_draws"] > 10, m
    t = cov["st_twoclk"]
    periods = {k["name"]: (k["half_period"], k["phase"]) for k in t["clocks"]}
    assert periods == {"clk_a": (2, 0), "clk_b": (4, 1)}, t
    k = cov["st_cnt12"]
    # most of the budget in one reset-free stretch; the initial reset plus two pulses
    assert k["longest_reset_free_cycles"] >= 0.75 * 6000, k
    assert k["reset_assertions"] == 3, k


def test_stimulus_explicit_schedule(s):
    """stimulus.no_reset_pulses and reset_at: the schedule the problem gives."""
    _register(s, "st_cnt12_quiet", CNT12, {"cycles": 5000, "clocks": ["clk"],
                                           "resets": [{"name": "rst"}],
                                           "stimulus": {"no_reset_pulses": True}})
    _register(s, "st_cnt12_at", CNT12, {"cycles": 1000, "clocks": ["clk"],
                                        "resets": [{"name": "rst"}],
                                        "stimulus": {"reset_at": [100, 500], "reset_hold": 3,
                                                     "constants": ["16'hBEEF"]}})
    st, p = s.json("GET", "/v1/problems/st_cnt12_at")
    assert st == 200 and p["stimulus"]["reset_at"] == [100, 500], p["stimulus"]
    assert p["stimulus"]["constants"] == ["16'hBEEF"], p["stimulus"]
    res = s.score([("st_cnt12_quiet", fence(CNT12_CANDS["m_wrap"][1])),
                   ("st_cnt12_quiet", fence(CNT12_CANDS["r_and"][1])),
                   ("st_cnt12_at", fence(CNT12_CANDS["r_and"][1]))], engine="verilator")
    assert not res[0]["function"]["passed"] and res[0]["function"]["checked"], res[0]["function"]
    assert res[1]["function"]["passed"], res[1]["function"]
    c = res[1]["function"]["coverage"]
    assert c["reset_assertions"] == 1 and c["longest_reset_free_cycles"] == 5000, c
    again, = s.score([("st_cnt12_quiet", fence(CNT12_CANDS["r_and"][1]))], engine="verilator")
    assert again["cached"] and again["function"]["coverage"] == c, again  # the cache keeps it
    c = res[2]["function"]["coverage"]
    assert res[2]["function"]["passed"] and c["reset_assertions"] == 3, c
    assert c["longest_reset_free_cycles"] == 497, c  # 500 .. 1000 after a 3-cycle pulse at 500
    st, e = s.json("POST", "/v1/problems", {"id": "st_bad_const", "reference": CNT,
                                           "top": "TopModule", "ref_top": "RefModule",
                                           "stimulus": {"constants": ["banana"]}})
    assert st == 400 and "stimulus.constants[0]" in e["error"], e


def test_registration_warnings(s):
    p = _register(s, "st_warn_ok", CMP, {})
    assert p["warnings"] == [], p["warnings"]
    # an output tied off: never toggles
    p = _register(s, "st_warn_const", """module RefModule(input [3:0] a, output [3:0] y, output z);
  assign y = ~a;
  assign z = 1'b0;
endmodule""", {})
    assert any("output z never changes" in w for w in p["warnings"]), p["warnings"]
    assert not any("output y" in w for w in p["warnings"]), p["warnings"]
    # the reset given with the wrong polarity: the golden is held in reset the whole run
    p = _register(s, "st_warn_reset", CNT12,
                  {"cycles": 300, "clocks": ["clk"],
                   "resets": [{"name": "rst", "active_low": True}]})
    assert any("held in reset" in w for w in p["warnings"]), p["warnings"]
    st, g = s.json("GET", "/v1/problems/st_warn_reset")
    assert st == 200 and g["warnings"] == p["warnings"], g["warnings"]
