#!/usr/bin/env python3
"""The scheduler's groups (docs/groups.md), measured on the built-in problems (no third-party
data needed). `RTLR_BENCH=sched make bench`.

  1. One request of 16 unique candidates of one problem (the reference, mutants, a syntax error,
     rewrites; no_cache) against the same 16 as one-candidate requests, two at a time, on a
     `--workers 2 --ppa 0 --coalesce-ms 0` server: wall time, tool runs by tool, groups.
  2. verl's per-sample pattern: 4 problems x 12 unique candidates, every candidate its own
     request, all sent at once, against a server with the default coalescing window and one with
     `--coalesce-ms 0` (interleaved rounds, fresh servers, problems warm): wall time,
     candidates/s, groups, tool runs.
Reports only (no target). Environment: RTLR_SERVER, RTLR_SCHED_ROUNDS (default 2).
"""
import concurrent.futures
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
import test_groups as tg  # noqa: E402
from harness import fence  # noqa: E402

ROUNDS = int(os.environ.get("RTLR_SCHED_ROUNDS", "2"))
TOOLS = ("verilator", "iverilog", "vvp", "harness")


def tool_runs(m0, m1):
    return {t: int(tg._delta(m0, m1, 'rtlreward_tool_runs_total{tool="%s"}' % t)) for t in TOOLS}


def groups(m0, m1):
    return {k: int(v) for k, v in tg._sched_groups(m0, m1).items() if v}


def part1():
    s = harness.Server.start(extra=["--workers", "2", "--ppa", "0", "--coalesce-ms", "0"])
    try:
        for pid in ("counter4_en", "add8_cout", "mux4_8bit"):
            code = tg._builtin_ref(pid)
            s.score([(pid, fence(code))], preset="pass_rate")     # the problem warm
            items = [(pid, fence(c)) for c in tg._candidates(code, 16, "bench")]
            for label in ("one request", "16 requests"):
                m0 = tg._metrics(s)
                t0 = time.time()
                if label == "one request":
                    s.score(items, no_cache=True, preset="pass_rate")
                else:
                    tg._singles(s, items, preset="pass_rate")
                dt = time.time() - t0
                m1 = tg._metrics(s)
                print("  %-12s %-12s 16 candidates in %5.1f s; tool runs %s; groups %s" % (
                    pid, label, dt, tool_runs(m0, m1), groups(m0, m1)), flush=True)
    finally:
        s.stop()


def part2_once(extra, items, pids):
    s = harness.Server.start(extra=["--workers", "2", "--ppa", "0"] + extra)
    try:
        s.score([(p, fence(tg._builtin_ref(p))) for p in pids], preset="pass_rate")
        m0 = tg._metrics(s)
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(len(items)) as pool:
            list(pool.map(lambda it: s.score([it], preset="pass_rate")[0], items))
        dt = time.time() - t0
        m1 = tg._metrics(s)
        return dt, groups(m0, m1), tool_runs(m0, m1)
    finally:
        s.stop()


def part2():
    pids = ["add8_cout", "counter4_en", "mux4_8bit", "hex7seg"]
    items = [(p, fence(c)) for p in pids for c in tg._candidates(tg._builtin_ref(p), 12, "verl")]
    for r in range(ROUNDS):
        for label, extra in (("--coalesce-ms 3", []), ("--coalesce-ms 0", ["--coalesce-ms", "0"])):
            dt, g, runs = part2_once(extra, items, pids)
            print("  round %d %-16s %d concurrent one-candidate requests in %5.1f s (%.1f cand/s); "
                  "groups %s; tool runs %s" % (r + 1, label, len(items), dt, len(items) / dt, g,
                                               runs), flush=True)


def main():
    print("load average before: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    print("1. one problem x 16: one request (grouped) vs one-candidate requests (alone)")
    part1()
    print("2. verl per-sample: concurrent one-candidate requests, coalescing on vs off")
    part2()
    return 0


if __name__ == "__main__":
    sys.exit(main())
