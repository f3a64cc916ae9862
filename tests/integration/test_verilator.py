"""The Verilator engine (engine=verilator) against the Icarus engine: the same verdicts in
equivalence mode on the built-in references and mutants and on a fixed VerilogEval subset, and in
testbench mode on the built-in testbench problems; a candidate Verilator cannot build gets a
syntax verdict, not an infrastructure error; where Verilator cannot judge (x/z, a testbench it
refuses) Icarus runs and the result says so. test_verilator_agree.py covers VerilogEval."""
import os
import re

import harness
from harness import ROOT, fence, read
from test_mutants import BUILTIN_MUTANTS, OPS, _mutate

# A fixed, documented subset of VerilogEval for `make test` (each Verilator candidate costs ~1 s
# of g++ on this machine); bench/ runs the full set.
VEVAL_SUBSET = ["Prob001_zero", "Prob010_mt2015_q4a", "Prob035_count1to10",
                "Prob050_kmap1", "Prob079_fsm3onehot", "Prob105_rotate100"]


# Known disagreements (README "Engines"): none left here. moore_seq101 with its reset dropped used
# to differ (a 2-state FSM synchronises with the golden from its random start state, while under
# Icarus its X state never resolves); its golden assigns 2'bxx, so engine=verilator now hands
# it, and mealy_seq110, to Icarus and says so.
KNOWN = set()
XZ_GOLDEN = {"mealy_seq110", "moore_seq101"}
# Goldens whose outputs depend on undefined initial values (Prob105: `q` has no reset and is X
# until the first load): Icarus judges, the golden's X being a don't-care (engine_verilator_x.c).
UNDEF_GOLDEN = {"Prob105_rotate100"}
# A candidate whose outputs depend on undefined values (a mutant with its reset dropped) is judged
# by Icarus too, whatever the problem: the note says why.
UNDEF_CAND = "the candidate reads undefined values"


def _builtin_items():
    items, labels = [], []
    for pid in sorted(os.listdir(os.path.join(ROOT, "problems"))):
        d = os.path.join(ROOT, "problems", pid)
        if not os.path.isdir(d) or pid.startswith("tb_"):
            continue
        ref = re.sub(r"\bRefModule\b", "TopModule", read(os.path.join(d, "reference.v")))
        items.append((pid, fence(ref)))
        labels.append((pid, "reference"))
    for pid, what, pat, rep in BUILTIN_MUTANTS:
        ref = read(os.path.join(ROOT, "problems", pid, "reference.v"))
        mut, n = re.subn(pat, rep, ref, count=1)
        assert n == 1
        items.append((pid, fence(re.sub(r"\bRefModule\b", "TopModule", mut))))
        labels.append((pid, what))
    return items, labels


def _compare(s, items, labels):
    ic = s.score(items, engine="icarus", mode="equivalence")
    vl = s.score(items, engine="verilator", mode="equivalence")
    diff = []
    for l, a, b in zip(labels, ic, vl):
        assert b["status"] == "OK", (l, b.get("error"))
        if l[0] in XZ_GOLDEN:
            assert b["function"]["engine"] == "icarus", (l, b["function"])
            assert "the golden assigns x or z" in b["function"]["note"], (l, b["function"])
        elif l[0] in UNDEF_GOLDEN:
            # the three-run check sees the golden's undefined start only where the stimulus
            # (which draws the candidate's own constants) leaves it visible past the first
            # cycle: Icarus with that note, or Verilator; the verdicts must agree either way
            f = b["function"]
            assert (f["engine"] == "icarus" and "the golden reads undefined values" in f["note"]) \
                or (f["engine"] == "verilator" and f["note"].startswith("verilator")), (l, f)
        elif l[1] != "reference" and UNDEF_CAND in b["function"].get("note", ""):
            assert b["function"]["engine"] == "icarus", (l, b["function"])
        else:
            assert b["function"]["engine"] == "verilator", (l, b["function"])
        if (a["function"]["passed"], a["function"]["checked"]) != \
           (b["function"]["passed"], b["function"]["checked"]):
            diff.append((l, a["function"], b["function"]))
        if b["function"]["checked"]:
            assert b["function"]["samples"] == a["function"]["samples"], (l, a, b)
    return ic, vl, diff


def test_builtin_agreement(s):
    items, labels = _builtin_items()
    ic, vl, diff = _compare(s, items, labels)
    assert {d[0] for d in diff} == KNOWN, diff
    npass = sum(1 for l, r in zip(labels, vl) if l[1] == "reference" and r["function"]["passed"])
    nref = sum(1 for l in labels if l[1] == "reference")
    assert npass == nref, (npass, nref)
    for l, r in zip(labels, vl):
        if l[1] != "reference" and l not in KNOWN:
            assert r["function"]["first_mismatch"]["signal"], (l, r["function"])


def test_veval_subset_agreement(s):
    harness.need_shared()
    items, labels = [], []
    for pid in VEVAL_SUBSET:
        ref = harness.veval_ref_as_candidate(pid)
        items.append((pid, fence(ref)))
        labels.append((pid, "reference"))
        for k in range(len(OPS)):
            mut, n = _mutate(ref, k)
            if n:
                items.append((pid, fence(mut)))
                labels.append((pid, k))
    ic, vl, diff = _compare(s, items, labels)
    print("    verilator vs icarus on %d VerilogEval candidates: %d disagree" % (len(items), len(diff)))
    assert not diff, diff


def test_build_failure_is_a_verdict(s):
    # Legal for the lint but Verilator's C++ back end is never reached: a width-mismatched port
    # is fine; an undeclared identifier is a syntax failure in both engines.
    bad = "module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n" \
          "  assign {cout, sum} = a + b + undeclared_sig;\nendmodule\n"
    r = s.score([("add8_cout", fence(bad))], engine="verilator")[0]
    assert r["status"] == "OK", r.get("error")
    assert not r["syntax"]["ok"] or not r["function"]["passed"], r


def _tb_problem(name):
    d = os.path.join(ROOT, "problems", name)
    return read(os.path.join(d, "reference.v")), read(os.path.join(d, "testbench.v"))


def test_testbench_mode_under_verilator(s):
    """The problem's own testbench built with --timing: the same verdicts as Icarus, the
    engine named, and a wrong design's mismatches counted by the testbench."""
    items = []
    for pid in ("tb_gray_counter", "tb_edge_detect"):
        ref, _ = _tb_problem(pid)
        cand = re.sub(r"\bRefModule\b", "TopModule", ref)
        items.append((pid, fence(cand)))
        wrong, n = re.subn(r"\^", "&", cand, count=1)
        if not n:
            wrong, n = re.subn(r"~", "", cand, count=1)
        assert n, pid
        items.append((pid, fence(wrong)))
    ic = s.score(items, engine="icarus", mode="testbench")
    vl = s.score(items, engine="verilator", mode="testbench")
    for (pid, _), a, b in zip(items, ic, vl):
        assert b["status"] == "OK", (pid, b.get("error"))
        assert b["function"]["engine"] == "verilator", (pid, b["function"])
        assert b["function"]["note"].startswith("verilator --timing"), b["function"]
        assert b["function"]["passed"] == a["function"]["passed"], (pid, a["function"], b["function"])
        assert b["function"]["samples"] == a["function"]["samples"], (pid, a["function"], b["function"])
    assert [r["function"]["passed"] for r in vl] == [True, False, True, False], \
        [r["function"] for r in vl]
    assert vl[1]["function"]["mismatches"] > 0


def test_testbench_verilator_refuses_falls_back(s):
    """A testbench Verilator 5.006 does not build (procedural deassign, legal Verilog) is run
    under Icarus, the result says so, and the candidate is not scored 0 for it."""
    ref, tb = _tb_problem("tb_gray_counter")
    tb = tb.replace("module tb;", "module tb;\n    reg q_pca;\n"
                    "    initial begin assign q_pca = 1'b1; #2 deassign q_pca; end", 1)
    st, out = s.json("POST", "/v1/problems", {"id": "vl_tb_deassign", "reference": ref,
                                              "top": "TopModule", "ref_top": "RefModule",
                                              "mode": "testbench", "testbench": tb})
    assert st in (200, 201), (st, out)
    cand = re.sub(r"\bRefModule\b", "TopModule", ref)
    r = s.score([("vl_tb_deassign", fence(cand))], engine="verilator")[0]
    assert r["status"] == "OK", r.get("error")
    assert r["function"]["passed"], r["function"]
    assert r["function"]["engine"] == "icarus", r["function"]
    assert r["function"]["note"].startswith("testbench ran under Icarus: Verilator 5.006 does not "
                                            "build the testbench"), r["function"]
    assert "deassign" in r["function"]["note"], r["function"]


def test_xz_golden_falls_back(s):
    """A golden that assigns x (a don't-care under Icarus's X rule) is not compared as 2-state
    values: engine=verilator hands it to Icarus and says so, in both modes; engine=auto picks
    Icarus for it."""
    ref = ("module RefModule(input [1:0] s, output reg y);\n"
           "  always @(*) case (s) 2'd0: y = 1'b0; 2'd1: y = 1'b1; default: y = 1'bx; endcase\n"
           "endmodule\n")
    st, out = s.json("POST", "/v1/problems", {"id": "vl_xz_gold", "reference": ref,
                                              "top": "TopModule", "ref_top": "RefModule"})
    assert st in (200, 201), (st, out)
    # 1 where the golden says x: a don't-care, so it passes (under Icarus, which decides)
    cand = fence("module TopModule(input [1:0] s, output y);\n  assign y = s != 2'd0;\nendmodule\n")
    r, a = s.score([("vl_xz_gold", cand), ("vl_xz_gold", cand)], engine="verilator", no_cache=True)
    for x in (r, a):
        assert x["status"] == "OK" and x["function"]["passed"], x["function"]
        assert x["function"]["engine"] == "icarus", x["function"]
        assert "x or z" in x["function"]["note"], x["function"]
    a = s.score([("vl_xz_gold", cand)], engine="auto")[0]
    assert a["function"]["engine"] == "icarus" and "x or z" in a["function"]["note"], a["function"]


def test_auto_decides_for_the_requested_mode(s):
    """engine=auto decides for the mode the request runs in, not the problem's default."""
    ref, _ = _tb_problem("tb_gray_counter")
    cand = fence(re.sub(r"\bRefModule\b", "TopModule", ref))
    eq, tb = (s.score([("tb_gray_counter", cand)], engine="auto", mode=m)[0]
              for m in ("equivalence", "testbench"))
    assert eq["function"]["mode"] == "equivalence" and tb["function"]["mode"] == "testbench"
    assert eq["function"]["note"].startswith("auto: icarus (") and "samples" in eq["function"]["note"], \
        eq["function"]
    assert tb["function"]["note"].startswith("auto: icarus (testbench mode"), tb["function"]
    assert eq["function"]["passed"] and tb["function"]["passed"]


def test_auto_picks_by_cost(s):
    ref = ("module RefModule(input clk, input reset, input [7:0] d, output reg [15:0] q);\n"
           "  always @(posedge clk) if (reset) q <= 0; else q <= q + d;\nendmodule\n")
    for pid, cycles in (("vl_auto_long", 300000), ("vl_auto_short", 100)):
        st, out = s.json("POST", "/v1/problems", {"id": pid, "reference": ref, "top": "TopModule",
                                                  "ref_top": "RefModule", "cycles": cycles})
        assert st in (200, 201), (st, out)
    cand = fence(ref.replace("RefModule", "TopModule"))
    wrong = fence(ref.replace("RefModule", "TopModule").replace("q + d", "q - d"))
    long_ok, long_bad, short = s.score([("vl_auto_long", cand), ("vl_auto_long", wrong),
                                        ("vl_auto_short", cand)], engine="auto")
    assert long_ok["function"]["engine"] == "verilator", long_ok["function"]
    assert long_ok["function"]["note"].startswith("auto: verilator"), long_ok["function"]
    assert long_ok["function"]["passed"] and long_ok["function"]["samples"] == 2 * (300000 + 2)
    assert not long_bad["function"]["passed"] and long_bad["function"]["first_mismatch"]["signal"] == "q"
    assert short["function"]["engine"] == "icarus", short["function"]
    assert short["function"]["note"].startswith("auto: icarus"), short["function"]
