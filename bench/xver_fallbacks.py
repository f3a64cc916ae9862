#!/usr/bin/env python3
"""Where engine=verilator hands VerilogEval references to Icarus, and why (docs/x_handling.md):
scores the 156 references as candidates in equivalence mode under engine=verilator and under
engine=icarus, prints how many Verilator judged, how many went to Icarus by reason, and every
verdict that differs between the two engines. Not part of `make bench` (it is a one-off count):

  RTLR_SERVER=build/rtlreward-server SHARED=/work/shared python3 bench/xver_fallbacks.py [testbench]

(the argument `testbench` runs testbench mode instead of equivalence mode).
Env: RTLR_SERVER (binary), SHARED (../shared). Exit 1 when a verdict differs."""
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import harness  # noqa: E402
from harness import fence  # noqa: E402

CHUNK = 40
MODE = sys.argv[1] if len(sys.argv) > 1 else "equivalence"


def _verdict(r):
    if r["status"] != "OK":
        return "infra"
    return "pass" if r["function"].get("passed") else "fail"


def _score(s, items, engine):
    out = []
    for i in range(0, len(items), CHUNK):
        out += s.score(items[i:i + CHUNK], engine=engine, mode=MODE, no_cache=True)
    return out


def main():
    try:
        pids = harness.veval_problems()
    except harness.Skip as e:
        print("xver_fallbacks: skipped: %s" % e)
        return 0
    items = [(pid, fence(harness.veval_ref_as_candidate(pid))) for pid in pids]
    s = harness.Server.start()
    try:
        t0 = time.time()
        vl = _score(s, items, "verilator")
        t1 = time.time()
        ic = _score(s, items, "icarus")
        t2 = time.time()
    except Exception:
        print("server exit status: %s; its log ends:" % s.proc.poll())
        print(open(os.path.join(s.tmp, "server.log")).read()[-3000:])
        raise
    finally:
        s.stop()
    why = collections.Counter()
    ran = collections.Counter()
    diff = []
    for (pid, _), a, b in zip(items, ic, vl):
        eng = b["function"].get("engine", "") if b["status"] == "OK" else "infra"
        ran[eng] += 1
        note = b["function"].get("note", "") if b["status"] == "OK" else ""
        if eng == "icarus":
            m = re.match(r"(?:testbench )?ran under Icarus: (.*)", note)
            reason = m.group(1) if m else note
            reason = re.sub(r"(does not build the golden: %Error-\w+).*", r"\1", reason)
            reason = re.sub(r" when undefined bits start at \w+ instead of 0", "", reason)
            why[reason[:110]] += 1
            print("    icarus: %s: %s" % (pid, reason[:110]))
        if _verdict(a) != _verdict(b):
            diff.append((pid, _verdict(a), _verdict(b)))
    print("verilator engine on %d VerilogEval references (%s): %s" %
          (len(items), MODE, ", ".join("%s %d" % kv for kv in sorted(ran.items()))))
    for reason, n in why.most_common():
        print("    %3d  %s" % (n, reason))
    print("verdicts differing from engine=icarus: %d %s" % (len(diff), diff))
    print("wall: verilator %.0f s, icarus %.0f s (2 shared cores)" % (t1 - t0, t2 - t1))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
