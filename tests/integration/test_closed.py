"""A closed design, unforgeable failure attribution, a secret verdict tag (issue 12, items 1, 2
and 7; docs/threat_model.md).

Forged passes: a candidate names the harness's golden instance, the testbench's reference
instance or its error counter through a generate block that exists under Verilator (32-bit
constant arithmetic) but not under Icarus (lossless), so that only Icarus resolves the name
upward; escaped identifiers, module names of ancestors, defparams and $root do the same. Each
gets a verdict with reward 0 in both modes and under both engines; under Icarus the verdict is
the closure check's (the candidate does not elaborate alone).

Forged attribution: a `line directive (written, or pasted together from tokens) naming a
trusted file, or error-like text in the candidate, never makes a candidate's failure an
INFRA_ERROR; /get_reward answers 200 for a batch with one broken sample, masking it.

The tag: a candidate that prints %m (its own hierarchical path) learns nothing of the tag.
"""
import os
import re
import shutil
import subprocess
import tempfile

import harness
from harness import fence

ADD_HEAD = "module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
GRAY_HEAD = "module TopModule(input clk, input reset, input en, output [3:0] gray);\n"

# Constant conditions Verilator (and Yosys) evaluate in 32 bits as true, Icarus without losing
# bits as false (checked in test_conditions_split_the_tools): the block exists only under
# Verilator, so only Icarus resolves the name upward.
SPLIT = ["'hFFFF_FFFF + 1 == 0", "'hFFFF_FFFF * 2 < 'hFFFF_FFFF", "'h8000_0000 + 'h8000_0000 == 0",
         "('hFFFFFFFF << 1) < 'hFFFFFFFF", "'d4294967295 + 1 == 0"]
# ... and one the other way round (Icarus true, Verilator false)
REVERSE = "'hFFFF_FFFF + 1 > 'hFFFF_FFFF"


def _fake(cond, label, decl):
    return "generate if (%s) begin : %s\n  %s\nend endgenerate\n" % (cond, label, decl)


def _add8(body):
    return ADD_HEAD + body + "\nendmodule\n"


def _gray(body):
    return GRAY_HEAD + body + "\nendmodule\n"


ZERO8 = "wire [7:0] sum = 8'd0; wire cout = 1'b0;"
ZERO4 = "wire [3:0] gray = 4'd0;"
GRAY_WRONG = "reg [3:0] q; always @(posedge clk) q <= reset ? 4'd0 : q + en; assign gray = q;"

# equivalence mode (add8_cout; the harness's golden instance was rtlr_gold)
EQ = [("eq_split%d" % i, _add8(_fake(c, "rtlr_gold", ZERO8) +
                                "assign sum = rtlr_gold.sum; assign cout = rtlr_gold.cout;"))
      for i, c in enumerate(SPLIT)]
EQ += [
    ("eq_escaped", _add8(_fake(SPLIT[0], "\\rtlr_gold ", ZERO8) +
                         "assign sum = \\rtlr_gold .sum; assign cout = \\rtlr_gold .cout;")),
    ("eq_escaped_mixed", _add8(_fake(SPLIT[2], "rtlr_gold", ZERO8) +
                               "assign sum = \\rtlr_gold .sum; assign cout = rtlr_gold.cout;")),
    ("eq_reverse", _add8(_fake(REVERSE, "rtlr_gold", ZERO8) +
                         "assign sum = rtlr_gold.sum; assign cout = rtlr_gold.cout;")),
    ("eq_nested_scope", _add8("generate if (1) begin : outer\n" + _fake(SPLIT[1], "rtlr_gold", ZERO8) +
                              "end endgenerate\nassign sum = outer.rtlr_gold.sum; "
                              "assign cout = rtlr_gold.cout;")),
    ("eq_task_upward", _add8("assign {cout, sum} = 9'd0;\ninitial rtlr_check;")),
    ("eq_defparam", _add8(_fake(SPLIT[0], "rtlr_gold", "localparam N = 1;") +
                          "defparam rtlr_gold.N = 2;\nassign {cout, sum} = 9'd0;")),
    ("eq_root", _add8("assign {cout, sum} = 9'd0;\ninitial $root.rtlr_gold.sum = 0;")),
    ("eq_root_escaped", _add8(_fake(SPLIT[0], "\\$root ", "wire [7:0] x = 0;") +
                              "assign sum = \\$root .x; assign cout = 1'b0;")),
]
# testbench mode (tb_gray_counter: module tb, reference instance good1, DUT top_module1,
# counters errors / errors_gray / clocks)
TB = [("tb_split%d" % i, _gray(_fake(c, "good1", ZERO4) + "assign gray = good1.gray;"))
      for i, c in enumerate(SPLIT[:3])]
TB += [
    ("tb_escaped", _gray(_fake(SPLIT[3], "\\good1 ", ZERO4) + "assign gray = \\good1 .gray;")),
    ("tb_module_name", _gray(_fake(SPLIT[0], "tb", "wire [3:0] gray_ref = 4'd0;") +
                             "assign gray = tb.gray_ref;")),
    ("tb_error_counter", _gray(GRAY_WRONG + "\n" +
                               _fake(SPLIT[1], "tb", "integer errors, errors_gray;") +
                               "always @(posedge clk or negedge clk) #1 begin tb.errors = 0; "
                               "tb.errors_gray = 0; end")),
    ("tb_instance_path", _gray(_fake(SPLIT[4], "top_module1", ZERO4) +
                               "assign gray = top_module1.gray;")),
    ("tb_reverse", _gray(_fake(REVERSE, "good1", ZERO4) + "assign gray = good1.gray;")),
    ("tb_root", _gray(GRAY_WRONG + "\ninitial $root.tb.errors = 0;")),
    ("tb_defparam", _gray(GRAY_WRONG + "\n" + _fake(SPLIT[0], "good1", "localparam W = 4;") +
                          "defparam good1.W = 5;")),
]

# forged attribution: Icarus refuses `break` (Verilator accepts it), so the failure comes from
# the simulator's build; each candidate tries to make it look like a trusted file's
BREAK = ("reg [7:0] s; integer i;\nalways @* begin s = a + b; for (i = 0; i < 8; i = i + 1) "
         "begin if (i == 9) break; end end\nassign {cout, sum} = {1'b0, s};")
LINE = [
    ("line_harness", "`line 1 \"harness.v\" 0\n" + _add8(BREAK), "policy:`line"),
    ("line_gold", _add8("`line 7 \"gold.v\" 0\n" + BREAK), "policy:`line"),
    ("line_pasted", "`define L `li``ne 3 \"harness.v\" 0\n" + _add8("`L\n" + BREAK), "policy:"),
    ("line_macro_named_line", "`define line 1\n" + _add8(BREAK), "policy:"),
    ("error_text_identifiers", _add8("wire \\harness.v:1:  = 1'b0; wire gold_v_error = 1'b0;\n"
                                     "initial $display(\"harness.v:3: error: internal\");\n" + BREAK),
     "syntax"),
    ("break_plain", _add8(BREAK), "syntax"),
]


def _assert_zero(name, r):
    assert r["status"] == "OK", (name, r["status"], r.get("error"))
    assert r["reward"] == 0.0 and not r["function"]["passed"], (name, r["reward"], r["format"],
                                                                 r["syntax"], r["function"])


def _closure_reason(r):
    return "closure:" in (r["syntax"].get("note") or "") + (r["function"].get("reason") or "")


def _run(srv, problem, cands, engine, mode):
    items = [(problem, fence(src)) for _, src in cands]
    return srv.score(items, preset="binary", engine=engine, mode=mode, no_cache=True)


def _report(label, cands, res):
    for (name, _), r in zip(cands, res):
        why = r["format"].get("reason") or r["syntax"].get("note") or r["function"].get("reason") or ""
        print("    %-10s %-22s reward %.2f %s" % (label, name, r["reward"], why[:90]))


def test_conditions_split_the_tools(_s):
    """The oracle, outside the server: each SPLIT condition makes the block exist under
    Verilator and not under Icarus; REVERSE the other way round."""
    tmp = tempfile.mkdtemp(prefix="rtlr-closed-")
    try:
        for cond, want_ic, want_vl in [(c, False, True) for c in SPLIT] + [(REVERSE, True, False)]:
            src = ("module m(output o);\ngenerate if (%s) begin : blk assign o = 1'b1; end "
                   "else begin : other assign o = 1'b0; end endgenerate\nendmodule\n" % cond)
            with open(os.path.join(tmp, "m.v"), "w") as f:
                f.write(src)
            rc, out, err = harness.run_tools(["iverilog", "-g2012", "-o", "m.vvp", "m.v"], tmp, 60)
            assert rc == 0, err
            # an Icarus run says which branch exists
            with open(os.path.join(tmp, "t.v"), "w") as f:
                f.write("module t; wire o; m u(.o(o)); initial #1 $display(\"o=%b\", o); endmodule\n")
            rc, out, err = harness.run_tools(["iverilog", "-g2012", "-o", "t.vvp", "t.v", "m.v"], tmp, 60)
            rc, out, err = harness.run_tools(["vvp", "-n", "t.vvp"], tmp, 60)
            assert ("o=1" in out) == want_ic, (cond, out)
            rc, out, err = harness.run_tools(["verilator", "--xml-only", "-Wno-fatal", "-Wno-lint",
                                              "-Wno-style", "--xml-output", "m.xml", "m.v"], tmp, 60)
            assert rc == 0, err
            with open(os.path.join(tmp, "m.xml")) as f:
                assert ('"blk"' in f.read()) == want_vl, cond
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_forged_pass_equivalence(s):
    """Every upward-name variant scores 0 in equivalence mode under both engines; Icarus's
    verdict names the closure check, and the right design still passes under both."""
    right = _add8("assign {cout, sum} = {1'b0, a} + {1'b0, b};")
    # Verilator builds each candidate (a second or more): the variants whose view differs
    vl = [c for c in EQ if c[0] in ("eq_split0", "eq_escaped", "eq_reverse", "eq_root_escaped")]
    got = {}
    for engine, cands in (("icarus", EQ), ("verilator", vl)):
        res = _run(s, "add8_cout", cands + [("right", right)], engine, "equivalence")
        _report(engine, cands, res)
        for (name, _), r in zip(cands, res[:-1]):
            _assert_zero("%s/%s" % (engine, name), r)
            got[engine, name] = r
        assert res[-1]["reward"] == 1.0, res[-1]
    # under Icarus the split variants are decided by the closure check, not by luck
    for name, _ in EQ[:len(SPLIT) + 2]:
        r = got["icarus", name]
        assert _closure_reason(r) and r["syntax"]["tool"] == "icarus", (name, r["syntax"])
    # the reverse split (a block only Icarus sees) is Verilator's to refuse: the syntax stage
    # elaborates the candidate alone (--top-module), before any engine runs
    for engine in ("icarus", "verilator"):
        r = got[engine, "eq_reverse"]
        assert not r["syntax"]["ok"] and r["syntax"]["tool"] == "verilator", r["syntax"]
        assert any("rtlr_gold" in d["message"] for d in r["syntax"]["diagnostics"]), r["syntax"]


def test_forged_pass_testbench(s):
    """The same in testbench mode: the testbench's instances, module and counters are out of
    reach under both engines; the right design still passes under both."""
    right = _gray("reg [3:0] b; always @(posedge clk) if (reset) b <= 0; else if (en) b <= b + 1;\n"
                  "assign gray = b ^ (b >> 1);")
    res = _run(s, "tb_gray_counter", TB + [("right", right)], "icarus", "testbench")
    _report("icarus", TB, res)
    for (name, _), r in zip(TB, res[:-1]):
        _assert_zero("icarus/%s" % name, r)
    assert res[-1]["reward"] == 1.0, res[-1]
    for (name, _), r in zip(TB[:7], res):
        assert _closure_reason(r), (name, r["syntax"], r["function"])
    # Verilator's --timing build of a testbench costs seconds: the variants where Verilator's
    # own view differs (a block that exists for it, or one that does not), and the counter
    vl = [c for c in TB if c[0] in ("tb_error_counter", "tb_reverse")]
    res = _run(s, "tb_gray_counter", vl, "verilator", "testbench")
    _report("verilator", vl, res)
    for (name, _), r in zip(vl, res):
        _assert_zero("verilator/%s" % name, r)
        if name == "tb_reverse":
            assert not r["syntax"]["ok"] and r["syntax"]["tool"] == "verilator", r["syntax"]


def test_rtllm_style_extra_root(s):
    """An RTLLM-style testbench (no -s: every uninstantiated module is a root, and the
    testbench overrides the DUT's parameter) cannot be reached from an extra module of the
    candidate, nor from a block that exists only under the testbench's parameter value."""
    ref = ("module RefModule #(parameter W = 4) (input [W-1:0] a, output [W-1:0] y);\n"
           "  assign y = ~a;\nendmodule\n")
    tb = ("module testbench;\n  reg [7:0] a; wire [7:0] y; integer error = 0, i;\n"
          "  TopModule #(.W(8)) uut(.a(a), .y(y));\n"
          "  initial begin\n    for (i = 0; i < 64; i = i + 1) begin a = i * 37; #1;"
          " if (y !== ~a) error = error + 1; end\n"
          "    #10;\n    if (error == 0) $display(\"===========Your Design Passed===========\");\n"
          "    else $display(\"===========Error===========\");\n    $finish;\n  end\nendmodule\n")
    st, p = s.json("POST", "/v1/problems", {"id": "closed_rtllm", "reference": ref, "top": "TopModule",
                                             "ref_top": "RefModule", "mode": "testbench",
                                             "testbench": tb, "tb_style": "rtllm"})
    assert st == 201, p
    head = "module TopModule #(parameter W = 4) (input [W-1:0] a, output [W-1:0] y);\n"
    cands = [
        # a spare root module writes the testbench's error counter
        ("extra_root", head + "assign y = a;\nendmodule\nmodule spy;\n" +
         _fake(SPLIT[0], "testbench", "integer error;") +
         "always #1 testbench.error = 0;\nendmodule\n"),
        # the block exists at the default W = 4 (the alone elaboration) but not at W = 8
        ("param_override", head + "generate if (W == 4) begin : testbench integer error; end "
         "endgenerate\nassign y = a;\nalways #1 testbench.error = 0;\nendmodule\n"),
        ("right", head + "assign y = ~a;\nendmodule\n"),
    ]
    res = _run(s, "closed_rtllm", cands, "icarus", "testbench")
    _report("rtllm", cands[:-1], res)
    for (name, _), r in zip(cands[:-1], res):
        _assert_zero(name, r)
    assert res[-1]["reward"] == 1.0, res[-1]
    # Verilator verilates this testbench with every root (no --top-module): the spare module
    # is elaborated there too, and finds no testbench of that name
    r, = _run(s, "closed_rtllm", cands[:1], "verilator", "testbench")
    _report("rtllm-vl", cands[:1], [r])
    _assert_zero("verilator/extra_root", r)


def test_forged_line_attribution(s):
    """`line naming a trusted file is refused by the policy; error-like text in the candidate
    does not move the blame: the simulator's refusal is a syntax verdict, never INFRA_ERROR."""
    # (the Verilator engine builds the candidate alone: any failure there is the candidate's)
    res = _run(s, "add8_cout", [(n, src) for n, src, _ in LINE], "icarus", "equivalence")
    for (name, _, want), r in zip(LINE, res):
        _assert_zero(name, r)
        if want.startswith("policy:"):
            assert not r["format"]["ok"] and want[len("policy:"):] in r["format"]["reason"], \
                (name, r["format"])
        else:
            assert r["format"]["ok"] and not r["syntax"]["ok"], (name, r["syntax"])
            assert r["syntax"]["tool"] == "icarus", (name, r["syntax"])
    # the other side: a golden Icarus refuses (Verilator prepares it) makes the trusted parts
    # fail alone, so a candidate's build failure there is the server's, named as such
    ref = ("module RefModule(input [7:0] a, output reg [7:0] y); integer i;\n"
           "always @* begin y = a; for (i = 0; i < 8; i = i + 1) begin if (i == 9) break; end end\n"
           "endmodule\n")
    st, p = s.json("POST", "/v1/problems", {"id": "closed_gold_break", "reference": ref,
                                             "top": "TopModule", "ref_top": "RefModule"})
    assert st == 201, p
    good = "module TopModule(input [7:0] a, output [7:0] y); assign y = a; endmodule\n"
    for src in (good, "`line 1 \"cand.v\" 0\n" + good):
        r, = _run(s, "closed_gold_break", [("x", src)], "icarus", "equivalence")
        if src is good:
            assert r["status"] == "INFRA_ERROR" and "golden alone" in r["error"], r
        else:
            assert r["status"] == "OK" and not r["format"]["ok"], r  # the policy first
    # in testbench mode too
    tb_break = _gray("integer i; reg [3:0] q;\nalways @(posedge clk) begin for (i = 0; i < 4; "
                     "i = i + 1) begin if (i == 7) break; end q <= reset ? 4'd0 : q + en; end\n"
                     "assign gray = q;")
    for src in (tb_break, "`line 1 \"tb.sv\" 0\n" + tb_break):
        r, = _run(s, "tb_gray_counter", [("x", src)], "icarus", "testbench")
        _assert_zero("tb_break", r)


def test_get_reward_masks_one_sample(s):
    """One sample whose problem cannot be scored (an INFRA_ERROR) among good ones: 200, the good
    ones' rewards, the broken one masked with reward 0; all broken: 503."""
    ref = "module RefModule(input a, output y); assign y = a; endmodule\n"
    tb_bad = ("module tb; reg a; wire y; TopModule dut(.a(a), .y(y)); initial begin a = 0; #1;"
              " $display(\"no verdict\"); end endmodule\n")
    st, p = s.json("POST", "/v1/problems", {"id": "closed_tb_bad", "reference": ref, "top": "TopModule",
                                             "ref_top": "RefModule", "mode": "testbench", "testbench": tb_bad})
    assert st == 201, p
    good = fence(_add8("assign {cout, sum} = {1'b0, a} + {1'b0, b};"))
    wrong = fence(_add8("assign {cout, sum} = 9'd0;"))
    hostile = fence("`line 1 \"harness.v\" 0\n" + _add8(BREAK))
    forged = fence(EQ[0][1])
    query = [good, hostile, wrong, fence("module TopModule(input a, output y); assign y = a; endmodule"),
             forged, good]
    labels = ["add8_cout", "add8_cout", "add8_cout", "closed_tb_bad", "add8_cout", "add8_cout"]
    st, out = s.json("POST", "/get_reward", {"query": query, "prompts": [""] * 6, "labels": labels})
    assert st == 200, out
    assert out["rewards"][0] == 1.0 and out["rewards"][5] == 1.0, out
    # (the wrong design earns the hierarchical preset's syntax and interface credit)
    assert out["rewards"][1] == 0.0 and 0 < out["rewards"][2] < 1, out
    assert out["rewards"][3] == 0.0 and out["rewards"][4] == 0.0, out
    assert out["extra_logs"]["masked"] == [0, 0, 0, 1, 0, 0], out
    st, e = s.json("POST", "/get_reward", {"query": [query[3]], "prompts": [""], "labels": ["closed_tb_bad"]})
    assert st == 503 and "INFRA_ERROR" in e["error"], (st, e)


def _vvp_lines(job):
    p = subprocess.run(["vvp", "-n", "sim.vvp"], cwd=job, capture_output=True, text=True, timeout=60,
                       errors="replace")
    return p.stdout.splitlines()


def test_tag_not_in_names(_s):
    """A candidate printing %m (and its parents', through a submodule) learns nothing of the
    tag: the kept job directories are replayed outside the server, and no hex of the tag occurs
    in any path the candidate printed, in either mode."""
    trace = tempfile.mkdtemp(prefix="rtlr-closed-trace-")
    env = dict(os.environ, RTLR_TRACE_JOBS=trace)
    srv = harness.Server.start(env=env)
    try:
        sub = "module probe_sub; initial #3 $display(\"PATH %m\"); endmodule\n"
        eq = _add8("assign {cout, sum} = {1'b0, a} + {1'b0, b};\nprobe_sub p();\n"
                   "initial #3 $display(\"PATH %m\");") + sub
        tb = _gray("reg [3:0] b; always @(posedge clk) if (reset) b <= 0; else if (en) b <= b + 1;\n"
                   "assign gray = b ^ (b >> 1);\nprobe_sub p();\ninitial #3 $display(\"PATH %m\");") + sub
        seen = 0
        for _ in range(2):
            r1, = srv.score([("add8_cout", fence(eq))], preset="binary", engine="icarus", no_cache=True)
            r2, = srv.score([("tb_gray_counter", fence(tb))], preset="binary", engine="icarus",
                            mode="testbench", no_cache=True)
            assert r1["reward"] == 1.0 and r2["reward"] == 1.0, (r1, r2)
        paths = set()
        for job in os.listdir(trace):
            d = os.path.join(trace, job)
            if not os.path.isfile(os.path.join(d, "sim.vvp")):
                continue
            lines = _vvp_lines(d)
            tags = {m.group(1) for l in lines for m in [re.match(r"RTLR([0-9a-f]{16}):", l)] if m}
            mine = [l[5:] for l in lines if l.startswith("PATH ")]
            if not tags or not mine:
                continue
            seen += 1
            tag, = tags
            for path in mine:
                paths.add(path)
                low = path.lower()
                # neither the whole tag nor any 8 hex digits of it
                for k in range(0, 9):
                    assert tag[k:k + 8] not in low, (tag, path)
        assert seen >= 4, (seen, os.listdir(trace))
        # the names are random per run: no two runs share a harness or testbench path
        tops = {p.split(".")[0] for p in paths}
        assert len(tops) >= 4, paths
        print("    %d runs replayed; paths like %s" % (seen, sorted(paths)[:2]))
    finally:
        srv.stop()
        shutil.rmtree(trace, ignore_errors=True)
