"""Wrong designs fail: mutants of references (operator swaps, off-by-one constants, dropped
resets) get pass_rate < 1 and a first mismatch."""
import os
import re

import harness
from harness import ROOT, fence, read

# (problem, description, pattern, replacement): each one observable under random stimulus.
BUILTIN_MUTANTS = [
    ("add8_cout", "operator swap + -> -", r"\} \+ \{", "} - {"),
    ("mux4_8bit", "select swap", r"2'd0", "2'd3"),
    ("counter4_en", "dropped reset", r"if \(reset\)", "if (1'b0)"),
    ("counter4_en", "off-by-one increment", r"\+ 4'd1|\+ 1'b1|\+ 1\b", "+ 2"),
    ("shift8_rstn", "dropped reset", r"if \(!rst_n\)", "if (1'b0)"),
    ("add128", "operator swap + -> ^", r"\} \+ \{", "} ^ {"),
    ("moore_seq101", "dropped reset", r"if \(reset\)", "if (1'b0)"),
    ("hex7seg", "off-by-one constant", r"7'h3F", "7'h3E"),
]


def _builtin_ref(pid):
    return read(os.path.join(ROOT, "problems", pid, "reference.v"))


def test_builtin_mutants(s):
    items, labels = [], []
    for pid, what, pat, rep in BUILTIN_MUTANTS:
        ref = _builtin_ref(pid)
        mut, n = re.subn(pat, rep, ref, count=1)
        assert n == 1, "mutation '%s' does not apply to %s" % (what, pid)
        items.append((pid, fence(re.sub(r"\bRefModule\b", "TopModule", mut))))
        labels.append((pid, what))
    res = s.score(items)
    bad = [(l, r["function"], r["syntax"]["diagnostics"][:1]) for l, r in zip(labels, res)
           if not (r["function"]["checked"] and r["function"]["pass_rate"] < 1
                   and r["function"]["first_mismatch"]["signal"])]
    assert not bad, bad


OPS = [(r"(?<=[\w)\]]) \+ (?=[\w(])", " - "), (r" & ", " | "), (r" \| ", " & "), (r" \^ ", " & "),
       (r"(?<![<>=!])==(?!=)", "!="), (r"\bif \((reset|areset|rst)\)", "if (1'b0)"),
       (r"(\d+)'d(\d+)", None)]


def _mutate(text, k):
    pat, rep = OPS[k]
    if rep is None:
        def inc(m):
            return "%s'd%d" % (m.group(1), int(m.group(2)) + 1)
        return re.subn(pat, inc, text, count=1)
    return re.subn(pat, rep, text, count=1)


def test_verilog_eval_mutants(s):
    """Every mutant the benchmark's own testbench kills is killed by the equivalence harness."""
    pids = harness.veval_problems()
    items, meta = [], []
    for pid in pids:
        ref = harness.veval_ref_as_candidate(pid)
        for k in range(len(OPS)):
            mut, n = _mutate(ref, k)
            if n:
                items.append((pid, fence(mut)))
                meta.append((pid, k))
    assert len(items) > 120, len(items)
    tb = s.score(items, mode="testbench")
    eq = s.score(items, mode="equivalence")
    killed = missed = 0
    problems = []
    for m, a, b in zip(meta, tb, eq):
        if not (a["status"] == "OK" and a["function"]["checked"] and not a["function"]["passed"]):
            continue
        killed += 1
        if not (b["function"]["checked"] and b["function"]["pass_rate"] < 1 and b["function"]["first_mismatch"]["signal"]):
            missed += 1
            problems.append((m, b["function"], b["syntax"]["ok"], b["interface"]["ok"]))
    print("    verilog-eval mutants: %d generated, %d killed by the benchmark testbench, %d of those "
          "missed by equivalence" % (len(items), killed, missed))
    assert killed > 100, killed
    assert not problems, problems[:10]
