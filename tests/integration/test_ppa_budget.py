"""PPA budget for the heavy tail (docs/ppa.md): a candidate whose synthesis runs far past the
golden's is stopped at its budget and gets the worst PPA score with a reason that says so; a
golden slower than --ppa-golden-max-s disables PPA for its problem, in every result's
ppa.reason and in GET /v1/problems/{id}. Own server with small limits; the designs are the
project's own: an 8-bit adder, and the same adder written as ((a + b) * K) / K with a 48-bit
constant K (exact: (a + b) * K < 2^48), which Yosys needs tens of seconds to synthesize."""
import re
import time

from harness import Server, fence, run_tools

FAST_GOLD = """module RefModule(input [7:0] a, input [7:0] b, output [8:0] y);
  assign y = a + b;
endmodule
"""
FAST = FAST_GOLD.replace("RefModule", "TopModule")
SLOW = """module TopModule(input [7:0] a, input [7:0] b, output [8:0] y);
  localparam [47:0] K = 48'd98765432109;
  wire [47:0] t = ({40'd0, a} + {40'd0, b}) * K;
  assign y = t / K;
endmodule
"""
SLOW_GOLD = SLOW.replace("TopModule", "RefModule")
FLAGS = ["--no-builtin", "--workers", "2", "--ppa-budget", "3", "--ppa-budget-floor-ms", "1500",
         "--ppa-golden-max-s", "4"]


def _register(s, pid, ref):
    st, e = s.json("POST", "/v1/problems", {"id": pid, "reference": ref, "top": "TopModule",
                                             "ref_top": "RefModule"})
    assert st in (200, 201), (pid, st, e)


def _slow_outside(budget_s):
    """The oracle: Yosys alone (no sandbox, no server) does not finish the slow design within
    the budget plus a margin, so stopping it is the budget's doing."""
    import os
    import tempfile
    with tempfile.TemporaryDirectory(prefix="rtlr-pb-") as tmp:
        with open(os.path.join(tmp, "d.v"), "w") as f:
            f.write(SLOW)
        rc, _, err = run_tools(["yosys", "-q", "-p", "read_verilog -sv d.v; synth -flatten "
                                "-noabc -nofsm -top TopModule; abc"], tmp, budget_s + 1)
        return rc == 124


def test_ppa_budget(_s):
    s = Server.start(FLAGS)
    try:
        _register(s, "pb_add", FAST_GOLD)
        _register(s, "pb_slowgold", SLOW_GOLD)
        st, p = s.json("GET", "/v1/problems/pb_add")
        assert st == 200 and "not measured yet" in p["ppa_status"], p
        # the rewrite that must pass: the golden's own text, figures and ratio 1
        r, = s.score([("pb_add", fence(FAST))])
        assert r["function"]["passed"] and r["ppa"]["checked"], r["ppa"]
        assert r["ppa"]["area_ratio"] == 1 and r["ppa"]["score"] == 1, r["ppa"]
        st, p = s.json("GET", "/v1/problems/pb_add")
        m = re.search(r"a candidate's budget: yosys ([0-9.e+-]+) s", p["ppa_status"])
        assert st == 200 and m, p
        budget = float(m.group(1))
        assert 1.5 <= budget <= 60, p["ppa_status"]
        # the slow rewrite: function passes, synthesis stopped at the budget, the worst score
        t0 = time.time()
        r, = s.score([("pb_add", fence(SLOW))])
        wall = time.time() - t0
        pp = r["ppa"]
        assert r["status"] == "OK" and r["function"]["passed"], r
        assert pp["failed"] and not pp["checked"] and pp["score"] == 0, pp
        assert "over budget" in pp["reason"] and "synthesis" in pp["reason"], pp
        assert abs(r["reward"] - 0.9) < 1e-9, r["reward"]
        # it held its worker for about the budget, not for the synthesis's tens of seconds
        assert r["times"]["ppa_ms"] < budget * 1000 + 2500, (r["times"], budget)
        assert wall < budget + 30, wall
        assert _slow_outside(budget), "the slow design finished within its budget outside"
        # a golden over --ppa-golden-max-s: PPA disabled for its problem, said in both places
        r, = s.score([("pb_slowgold", fence(FAST))])
        pp = r["ppa"]
        assert r["function"]["passed"] and not pp["checked"] and not pp["failed"], pp
        assert "PPA disabled for this problem" in pp["reason"], pp
        assert "--ppa-golden-max-s 4" in pp["reason"] and r["reward"] == 1.0, r
        st, p = s.json("GET", "/v1/problems/pb_slowgold")
        assert st == 200 and p["ppa_status"].startswith("PPA disabled for this problem"), p
        # ... once: the next candidate does not run the golden again
        t0 = time.time()
        r, = s.score([("pb_slowgold", fence(SLOW.replace("98765432109", "98765432107")))])
        assert "PPA disabled" in r["ppa"]["reason"] and r["times"]["ppa_ms"] < 1000, r
    finally:
        s.stop()
