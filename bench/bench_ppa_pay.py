#!/usr/bin/env python3
"""Pay only for what the request pays for (docs/ppa_pay.md): what a pass_rate request costs with
and without the PPA tier, Yosys/OpenSTA runs per 100 candidates, and what completing PPA later
(from the cache) costs against a fresh hierarchical score.

One server, one worker (per-candidate latency), the built-in problems' references as candidates
(each with a seed of its own: every key new). Per candidate, in this order:
  pay:     preset pass_rate                    (no PPA: the new behaviour)
  before:  preset pass_rate, weights.ppa = 0.1 (PPA computed as every pass_rate request did
           before; the reward ignores it): the baseline, same run
  lazy:    preset hierarchical on the `pay` key  (function tier from the cache, PPA now)
  fresh:   preset hierarchical, no_cache        (everything computed)
RTLR_SERVER_BEFORE=<an older rtlreward-server> adds a `before` measured on that binary (preset
pass_rate as it was). RTLR_PAY_ROUNDS (default 3) seeds per problem.
"""
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from harness import ROOT, Server, fence, read  # noqa: E402

ROUNDS = int(os.environ.get("RTLR_PAY_ROUNDS", "3"))


def builtins():
    out = []
    pdir = os.path.join(ROOT, "problems")
    for pid in sorted(os.listdir(pdir)):
        ref = os.path.join(pdir, pid, "reference.v")
        if os.path.isfile(ref) and not os.path.isfile(os.path.join(pdir, pid, "testbench.v")):
            meta = json.loads(read(os.path.join(pdir, pid, "problem.json")))
            code = re.sub(r"\b%s\b" % re.escape(meta["ref_top"]), meta["top"], read(ref))
            out.append((pid, code))
    return out


def runs(s):
    _, _, raw = s.request("GET", "/metrics")
    txt = raw.decode()
    out = {}
    for tool in ("yosys", "sta"):
        m = re.search(r'rtlreward_tool_runs_total\{tool="%s"\} (\d+)' % tool, txt)
        out[tool] = int(m.group(1)) if m else -1
    return out


def measure(s, items, seed0, **opts):
    """Scores items one by one; returns (total_ms list, ppa_ms list, yosys, sta, passed)."""
    tot, ppa, passed = [], [], 0
    before = runs(s)
    for i, (pid, code) in enumerate(items):
        r, = s.score([(pid, fence(code))], seed=seed0 + i, **opts)
        assert r["status"] == "OK", r
        passed += bool(r["function"].get("passed"))
        tot.append(r["times"]["total_ms"])
        ppa.append(r["times"].get("ppa_ms", 0.0))
    after = runs(s)
    return tot, ppa, after["yosys"] - before["yosys"], after["sta"] - before["sta"], passed


def line(label, m):
    tot, ppa, ny, ns, passed = m
    n = len(tot)
    print("%-34s n=%3d passed=%3d total_ms median %7.1f mean %7.1f | ppa_ms mean %6.1f | "
          "yosys/100 %5.1f sta/100 %5.1f" % (label, n, passed, statistics.median(tot),
                                             statistics.mean(tot), statistics.mean(ppa),
                                             100.0 * ny / n, 100.0 * ns / n), flush=True)


def main():
    probs = builtins()
    items = [p for _ in range(ROUNDS) for p in probs]
    if not items:
        print("no built-in problems found")
        return 1
    s = Server.start(extra=["--workers", "1"])
    try:
        # warm: every problem prepared, golden PPA known (neither is what is measured)
        for pid, code in probs:
            s.score([(pid, fence(code))], seed=7, no_cache=True)
        pay = measure(s, items, 1000, preset="pass_rate")
        old = measure(s, items, 2000, preset="pass_rate", weights={"ppa": 0.1})
        lazy = measure(s, items, 1000)
        fresh = measure(s, items, 3000, no_cache=True)
    finally:
        s.stop()
    print("built-in problems (equivalence mode, no testbench): %d, %d rounds, 1 worker"
          % (len(probs), ROUNDS))
    line("pass_rate (PPA not paid)", pay)
    line("pass_rate + PPA (as before)", old)
    line("hierarchical, PPA completed lazily", lazy)
    line("hierarchical, fresh (no_cache)", fresh)
    before_bin = os.environ.get("RTLR_SERVER_BEFORE")
    if before_bin:
        env_bin = os.environ.get("RTLR_SERVER")
        os.environ["RTLR_SERVER"] = before_bin
        s = Server.start(extra=["--workers", "1"])
        try:
            for pid, code in probs:
                s.score([(pid, fence(code))], seed=7, no_cache=True)
            line("pass_rate on RTLR_SERVER_BEFORE", measure(s, items, 1000, preset="pass_rate"))
        finally:
            s.stop()
            if env_bin is None:
                del os.environ["RTLR_SERVER"]
            else:
                os.environ["RTLR_SERVER"] = env_bin
    ok = pay[2] == 0 and pay[3] == 0 and lazy[2] <= old[2]
    print("pass_rate ran no Yosys/OpenSTA: %s" % ("yes" if pay[2] == 0 and pay[3] == 0 else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
