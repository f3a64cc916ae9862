"""Pay only for what the request pays for (docs/ppa_pay.md): the presets binary and pass_rate
run no PPA (no Yosys, no OpenSTA: the tool-run counters of /metrics say so); a later request that
weighs PPA for the same candidate is served from the cache with PPA computed then and stored (the
function tier reused, not recomputed); a request after it reuses the stored PPA; the figures and
the reward equal those of a fresh hierarchical score."""
import re

from harness import fence

# one seed per test, so that every key here is new to the shared server
SEED = 1313001
ADDER = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
         "  assign {cout, sum} = a + b;\nendmodule")
# the same function, another design (ripple carry written out): another key
RIPPLE = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
          "  wire [8:0] c;\n  assign c[0] = 1'b0;\n  genvar i;\n"
          "  generate for (i = 0; i < 8; i = i + 1) begin : g\n"
          "    assign sum[i] = a[i] ^ b[i] ^ c[i];\n"
          "    assign c[i+1] = (a[i] & b[i]) | (c[i] & (a[i] ^ b[i]));\n"
          "  end endgenerate\n  assign cout = c[8];\nendmodule")
WRONG = ADDER.replace("a + b", "a - b")
FIGURES = ("checked", "failed", "area", "cells", "seq_cells", "delay_ns", "power", "golden_area",
           "golden_delay_ns", "golden_power", "area_ratio", "delay_ratio", "power_ratio", "score")


def _runs(s):
    status, _, raw = s.request("GET", "/metrics")
    assert status == 200
    out = {}
    for tool in ("yosys", "sta", "verilator", "iverilog", "vvp"):
        m = re.search(r'rtlreward_tool_runs_total\{tool="%s"\} (\d+)' % tool, raw.decode())
        assert m, tool
        out[tool] = int(m.group(1))
    return out


def _one(s, code, seed=SEED, **kw):
    r, = s.score([("add8_cout", fence(code))], seed=seed, **kw)
    assert r["status"] == "OK", r
    return r


def _no_ppa(r):
    assert r["function"]["passed"], r["function"]
    assert not r["times"].get("ppa_ms"), r["times"]
    assert not r["ppa"].get("checked") and not r["ppa"].get("failed"), r["ppa"]
    assert "not computed" in r["ppa"]["reason"] and "no share" in r["ppa"]["reason"], r["ppa"]
    assert r.get("ppa_deferred"), r



def _d(code, seed):
    """code with an unused localparam naming the seed: a design new to the PPA memo (which
    recognises the same design across seeds and requests, docs/ppa.md#same-design)."""
    return code.replace(");\n", ");\n  localparam integer RTLR_T_%d = %d;\n" % (seed, seed), 1)


def test_no_ppa_for_pass_rate_and_binary(s):
    seed = SEED
    before = _runs(s)
    pr = _one(s, _d(ADDER, seed), preset="pass_rate")
    _no_ppa(pr)
    assert not pr.get("cached") and pr["reward"] == 1.0, pr
    bi = _one(s, _d(RIPPLE, seed), preset="binary")
    _no_ppa(bi)
    assert not bi.get("cached") and bi["reward"] == 1.0, bi
    # an explicit ppa weight of 0 under the hierarchical preset: no share, no PPA
    h0 = _one(s, _d(ADDER, seed), seed=SEED + 1, weights={"ppa": 0})
    _no_ppa(h0)
    assert abs(h0["reward"] - 1.0) < 1e-9, h0
    after = _runs(s)
    assert after["yosys"] == before["yosys"] and after["sta"] == before["sta"], (before, after)
    # the function tier did run (the counters count)
    assert after["verilator"] > before["verilator"], (before, after)
    # a failing candidate: nothing deferred (PPA never runs for it anyway)
    w = _one(s, _d(WRONG, seed), preset="pass_rate")
    assert not w["function"]["passed"] and not w.get("ppa_deferred"), w


def test_lazy_ppa_completion(s):
    seed = SEED + 3
    pr = _one(s, _d(ADDER, seed), seed=seed, preset="pass_rate")
    _no_ppa(pr)
    before = _runs(s)
    h = _one(s, _d(ADDER, seed), seed=seed)  # hierarchical: PPA now, function from the cache
    mid = _runs(s)
    assert h.get("cached") and h["key"] == pr["key"], h
    assert h.get("reused") == ["format", "syntax", "interface", "function"], h.get("reused")
    assert h["ppa"]["checked"] and not h.get("ppa_deferred"), h["ppa"]
    assert h["times"]["ppa_ms"] > 0, h["times"]
    assert h["times"]["function_ms"] == pr["times"]["function_ms"], (h["times"], pr["times"])
    assert h["times"]["reused_ms"] >= h["times"]["function_ms"] > 0, h["times"]
    assert mid["yosys"] > before["yosys"] and mid["sta"] > before["sta"], (before, mid)
    # no function-tier tool ran again: verilator -E once (the preprocessed text), Icarus at most
    # once each for the PPA tier's own netlist check (the function tier runs iverilog twice)
    assert mid["verilator"] - before["verilator"] == 1, (before, mid)
    assert mid["iverilog"] - before["iverilog"] <= 1 and mid["vvp"] - before["vvp"] <= 1, (before, mid)

    # a second hierarchical request: the stored PPA, no new Yosys or OpenSTA run
    again = _runs(s)
    h2 = _one(s, _d(ADDER, seed), seed=seed)
    after = _runs(s)
    assert h2.get("cached") and h2.get("reused") == ["format", "syntax", "interface", "function",
                                                      "ppa"], h2
    assert after["yosys"] == again["yosys"] and after["sta"] == again["sta"], (again, after)
    assert h2["reward"] == h["reward"] and h2["ppa"] == h["ppa"], (h2, h)
    # the same figures and reward as a fresh hierarchical score
    fresh = _one(s, _d(ADDER, seed), seed=seed, no_cache=True)
    assert not fresh.get("cached") and fresh["ppa"]["checked"], fresh
    for k in FIGURES:
        assert h["ppa"].get(k) == fresh["ppa"].get(k), (k, h["ppa"], fresh["ppa"])
    assert h["reward"] == fresh["reward"], (h["reward"], fresh["reward"])
    assert h["function"] == fresh["function"], (h["function"], fresh["function"])

    # and a pass_rate request now sees the completed entry (PPA reused, not deferred)
    pr2 = _one(s, _d(ADDER, seed), seed=seed, preset="pass_rate")
    assert pr2.get("cached") and not pr2.get("ppa_deferred") and pr2["ppa"]["checked"], pr2
    assert pr2["reward"] == 1.0, pr2


def test_lazy_ppa_once_for_duplicates(s):
    # a deferred entry, then two hierarchical copies in one batch: one completion, one Yosys run
    seed = SEED + 2
    _no_ppa(_one(s, _d(RIPPLE, seed), seed=seed, preset="binary"))
    _one(s, _d(ADDER, seed), seed=seed)  # the golden's PPA is known before counting
    before = _runs(s)
    a, b = s.score([("add8_cout", fence(_d(RIPPLE, seed))), ("add8_cout", fence(_d(RIPPLE, seed)))],
                   seed=seed)
    after = _runs(s)
    assert a["status"] == b["status"] == "OK", (a, b)
    assert a["ppa"]["checked"] and a["ppa"] == b["ppa"] and a["reward"] == b["reward"], (a, b)
    assert after["yosys"] - before["yosys"] == 1, (before, after)
    assert after["sta"] - before["sta"] == 1, (before, after)
    # explicit ppa weight under pass_rate: PPA is wanted and reported, the reward ignores it
    c = _one(s, _d(WRONG, seed).replace("a - b", "b + a"), seed=seed, preset="pass_rate",
             weights={"ppa": 0.5})
    assert c["ppa"]["checked"] and c["times"]["ppa_ms"] > 0 and c["reward"] == 1.0, c


def test_no_cache_keeps_stored_ppa(s):
    # a no_cache pass_rate score never replaces an entry that has PPA by one without
    seed = SEED + 4
    h = _one(s, _d(ADDER, seed), seed=seed)
    assert h["ppa"]["checked"] and not h.get("cached"), h
    pr = _one(s, _d(ADDER, seed), seed=seed, preset="pass_rate", no_cache=True)
    _no_ppa(pr)
    before = _runs(s)
    h2 = _one(s, _d(ADDER, seed), seed=seed)
    after = _runs(s)
    assert h2.get("cached") and "ppa" in h2.get("reused", []) and h2["ppa"] == h["ppa"], h2
    assert after["yosys"] == before["yosys"], (before, after)


def test_group_batches(s):
    # a batch goes through the group flow: a pass_rate batch runs no PPA for any of its
    # candidates; a hierarchical batch then completes the deferred ones from the cache and
    # computes the new one in full
    seed = SEED + 5
    swapped = ADDER.replace("a + b", "b + a")
    _one(s, _d(WRONG, seed), seed=seed)  # the problem prepared (a failing candidate: no PPA of its own)
    _one(s, _d(swapped, seed + 100), seed=seed + 1)  # the golden's PPA known before counting
    before = _runs(s)
    res = s.score([("add8_cout", fence(_d(ADDER, seed))), ("add8_cout", fence(_d(RIPPLE, seed))),
                   ("add8_cout", fence(_d(ADDER, seed)))], seed=seed, preset="pass_rate")
    mid = _runs(s)
    for r in res:
        assert r["status"] == "OK", r
        _no_ppa(r)
    assert mid["yosys"] == before["yosys"] and mid["sta"] == before["sta"], (before, mid)
    res = s.score([("add8_cout", fence(_d(ADDER, seed))), ("add8_cout", fence(_d(RIPPLE, seed))),
                   ("add8_cout", fence(_d(swapped, seed)))], seed=seed)
    after = _runs(s)
    for r in res:
        assert r["status"] == "OK" and r["ppa"]["checked"], r
        assert r["times"]["ppa_ms"] > 0 and not r.get("ppa_deferred"), r
    for r in res[:2]:
        assert r.get("cached") and r["reused"] == ["format", "syntax", "interface", "function"], r
    assert not res[2].get("cached") and not res[2].get("reused"), res[2]
    assert after["yosys"] - mid["yosys"] == 3 and after["sta"] - mid["sta"] == 3, (mid, after)
