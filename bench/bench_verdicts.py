#!/usr/bin/env python3
"""The verdict corpus (tests/data/verdicts/) as a report: false passes and false fails per
engine and per problem, each label confirmed first by the independent oracle
(tests/integration/verdict_oracle.py). `make test` asserts zero of both
(tests/integration/test_verdicts.py); this prints the table, e.g. to compare two builds:

    RTLR_BENCH=verdicts make bench
    RTLR_SERVER=/path/to/other/rtlreward-server python3 bench/bench_verdicts.py
"""
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import harness  # noqa: E402
import test_verdicts  # noqa: E402


def main():
    s = harness.Server.start()
    try:
        rows, wrong = test_verdicts.score_corpus(s)
    finally:
        s.stop()
    per = collections.defaultdict(lambda: [0, 0, 0])
    for name, f, eng, want, got, _ in rows:
        per[eng][0] += 1
        if got != want:
            per[eng][1 if want == "fail" else 2] += 1
    print("%-10s %8s %12s %11s" % ("engine", "verdicts", "false pass", "false fail"))
    for eng in test_verdicts.ENGINES:
        print("%-10s %8d %12d %11d" % (eng, *per[eng]))
    for w in wrong:
        print("  WRONG %s/%s [%s] want %s got %s: %s" % w)
    print("total: %d verdicts, %d false passes, %d false fails" % (
        len(rows), sum(p[1] for p in per.values()), sum(p[2] for p in per.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
