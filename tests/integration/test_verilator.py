"""The Verilator engine (engine=verilator, equivalence mode) against the Icarus engine: the same
verdicts on the built-in references and mutants and on a fixed VerilogEval subset; a candidate
Verilator cannot build gets a syntax verdict, not an infrastructure error."""
import os
import re

import harness
from harness import ROOT, fence, read
from test_mutants import BUILTIN_MUTANTS, OPS, _mutate

# A fixed, documented subset of VerilogEval for `make test` (each Verilator candidate costs ~1 s
# of g++ on this machine); bench/ runs the full set.
VEVAL_SUBSET = ["Prob001_zero", "Prob010_mt2015_q4a", "Prob035_count1to10",
                "Prob050_kmap1", "Prob079_fsm3onehot", "Prob105_rotate100"]


# Known disagreements (README "Engines"): a 2-state FSM whose reset was dropped synchronises with
# the golden from its random start state, while under Icarus its X state never resolves.
KNOWN = {("moore_seq101", "dropped reset")}


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
    assert {d[0] for d in diff} <= KNOWN, diff
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


def test_testbench_mode_says_icarus(s):
    ref = re.sub(r"\bRefModule\b", "TopModule",
                 read(os.path.join(ROOT, "problems", "tb_gray_counter", "reference.v")))
    r = s.score([("tb_gray_counter", fence(ref))], engine="verilator", mode="testbench")[0]
    assert r["status"] == "OK", r.get("error")
    assert "Icarus" in r["function"]["note"], r["function"]


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
