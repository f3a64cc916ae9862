"""The same design is synthesized once (docs/ppa.md#same-design): candidates that differ only
in modules their top never instantiates share one PPA run in a batch and across requests
(`ppa.reused_design`, /metrics rtlreward_ppa_memo_hits_total, one Yosys run); their figures
equal those of a server that runs every candidate (--ppa-memo 0); a no_cache request computes
its own. The flag is documented."""
import os
import re
import subprocess

from harness import ROOT, Server, fence

SEED = 1414001
# a design of this file only (the localparam makes it new to the shared server's memo)
ADDER = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
         "  localparam integer RTLR_T_MEMO = 1414001;\n"
         "  assign {cout, sum} = a + b;\nendmodule\n")
PADS = ["module Tb_%d(input x, output y); assign y = x ^ 1'b%d; endmodule\n" % (i, i % 2)
        for i in range(4)]
FIGURES = ("checked", "failed", "area", "cells", "seq_cells", "delay_ns", "power", "golden_area",
           "golden_delay_ns", "golden_power", "area_ratio", "delay_ratio", "power_ratio", "score",
           "netlist_samples", "netlist_check", "reason")


def _metric(s, name, label=""):
    status, _, raw = s.request("GET", "/metrics")
    assert status == 200
    m = re.search(r"^%s%s (\d+)$" % (re.escape(name), re.escape(label)), raw.decode(), re.M)
    assert m, name
    return int(m.group(1))


def _yosys(s):
    return _metric(s, "rtlreward_tool_runs_total", '{tool="yosys"}')


def _score(s, codes, seed, **kw):
    res = s.score([("add8_cout", fence(c)) for c in codes], seed=seed, **kw)
    for r in res:
        assert r["status"] == "OK" and r["function"]["passed"], r
    return res


def test_ppa_memo_same_design(s):
    _score(s, [ADDER.replace("a + b", "b + a")], SEED)  # the golden's PPA known first
    y0, h0 = _yosys(s), _metric(s, "rtlreward_ppa_memo_hits_total")
    a, b = _score(s, [ADDER + PADS[0], ADDER + "\n" + PADS[1]], SEED)
    y1, h1 = _yosys(s), _metric(s, "rtlreward_ppa_memo_hits_total")
    assert a["ppa"]["checked"], a["ppa"]
    assert y1 - y0 == 1 and h1 - h0 == 1, (y0, y1, h0, h1)
    # one of the two ran (in one group, or in two groups at once: the other waited for it)
    assert sorted([bool(a["ppa"].get("reused_design")), bool(b["ppa"].get("reused_design"))]) \
        == [False, True], (a["ppa"], b["ppa"])
    for k in FIGURES:
        assert a["ppa"].get(k) == b["ppa"].get(k), (k, a["ppa"], b["ppa"])
    # a later request, another helper module, no cache: still no synthesis
    c, = _score(s, [ADDER + PADS[2]], SEED + 1)
    assert _yosys(s) == y1 and c["ppa"].get("reused_design"), c["ppa"]
    assert not c.get("cached"), c
    for k in FIGURES:
        assert a["ppa"].get(k) == c["ppa"].get(k), (k, a["ppa"], c["ppa"])
    # no_cache computes: the memo is not read, the figures are the same
    y3 = _yosys(s)
    f, = _score(s, [ADDER + PADS[3]], SEED + 2, no_cache=True)
    assert _yosys(s) == y3 + 1 and not f["ppa"].get("reused_design"), f["ppa"]
    for k in FIGURES:
        assert a["ppa"].get(k) == f["ppa"].get(k), (k, a["ppa"], f["ppa"])
    # the oracle: a server that synthesizes every candidate gives the same figures
    off = Server.start(["--ppa-memo", "0", "--workers", "1"])
    try:
        _score(off, [ADDER.replace("a + b", "b + a")], SEED)
        y2 = _yosys(off)
        d, e = _score(off, [ADDER + PADS[0], ADDER + "\n" + PADS[1]], SEED)
        assert _yosys(off) - y2 == 2, (y2, _yosys(off))
        for r in (d, e):
            assert not r["ppa"].get("reused_design"), r["ppa"]
            for k in FIGURES:
                assert a["ppa"].get(k) == r["ppa"].get(k), (k, a["ppa"], r["ppa"])
    finally:
        off.stop()


def test_ppa_memo_flag_documented(s):
    status, _, raw = s.request("GET", "/metrics")
    assert status == 200 and b"rtlreward_ppa_memo_designs_total" in raw
    srv = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")
    out = subprocess.run([srv, "--help"], capture_output=True, text=True, timeout=10).stdout
    assert "--ppa-memo" in out and "default 8192" in out.split("--ppa-memo", 1)[1][:400], out
