#!/usr/bin/env python3
"""Verdict agreement, engine=verilator against engine=icarus, on all 156 VerilogEval problems:
every reference and the mutants tests/integration/test_mutants.py generates, in equivalence and
in testbench mode. Prints the counts, where the Verilator engine handed a
candidate to Icarus and why, and every disagreement; fails when the disagreements are not
exactly the documented KNOWN sets of tests/integration/test_verilator_agree.py.

Env: RTLR_SERVER (binary), SHARED (../shared)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import harness  # noqa: E402
import test_verilator_agree as agree  # noqa: E402


def main():
    try:
        pids = harness.veval_problems()
    except harness.Skip as e:
        print("bench_verilator_agree: skipped: %s" % e)
        return 0
    s = harness.Server.start()
    bad = 0
    try:
        for name, fn, known in (
                ("equivalence", agree.run_equivalence, agree.KNOWN_EQ),
                ("testbench", lambda s_, p_: agree.run_testbench(s_, p_, mutants=True),
                 {**agree.KNOWN_TB, **agree.KNOWN_TB_MUTANTS})):
            t0 = time.time()
            sm = fn(s, pids)
            print("    %s: %.0f s wall (2 shared cores)" % (name, time.time() - t0), flush=True)
            try:
                agree.check_known(sm, known, pids)
            except AssertionError as e:
                print("    %s: NOT the documented set: %s" % (name, e))
                bad = 1
    finally:
        s.stop()
    return bad


if __name__ == "__main__":
    sys.exit(main())
