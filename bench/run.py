#!/usr/bin/env python3
"""`make bench`: runs every bench/bench_*.py in turn (each a script of its own, sharing this
environment: RTLR_SERVER, SHARED, RTLR_BUILD), prints what each reports, and exits non-zero when
one of them failed. Benchmarks report ratios against a baseline measured in the same run.

RTLR_BENCH=substring runs only the benchmarks whose file name contains it.
"""
import os
import subprocess
import sys
import time


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    only = os.environ.get("RTLR_BENCH", "")
    names = sorted(f for f in os.listdir(here)
                   if f.startswith("bench_") and f.endswith(".py") and only in f)
    failed = []
    for name in names:
        print("=== %s" % name, flush=True)
        t0 = time.time()
        rc = subprocess.call([sys.executable, os.path.join(here, name)])
        print("=== %s: %s in %.0f s" % (name, "ok" if rc == 0 else "FAILED (%d)" % rc,
                                         time.time() - t0), flush=True)
        if rc:
            failed.append(name)
    if not names:
        print("no benchmarks matched")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
