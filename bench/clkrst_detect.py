#!/usr/bin/env python3
"""Prints the clocks and resets the server detects for every problem it loads (VerilogEval,
RTLLM, builtin), one line each, for diffing two builds:

    RTLR_SERVER=build/rtlreward-server python3 bench/clkrst_detect.py > new.txt
    RTLR_SERVER=/path/to/old/rtlreward-server python3 bench/clkrst_detect.py > old.txt
    diff old.txt new.txt

Only name, polarity and async are printed (the fields both builds have); with --why, also how
each was decided (detected_by, kind, edge, why; new builds only)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402


def main():
    s = harness.Server.start()
    try:
        st, lst = s.json("GET", "/v1/problems")
        assert st == 200, lst
        for q in sorted(x["id"] for x in lst["problems"]):
            st, p = s.json("GET", "/v1/problems/" + q)
            if st != 200:
                print("%s\tERROR %s" % (q, st))
                continue
            rs = ["%s(%s%s)" % (r["name"], "low" if r["active_low"] else "high",
                                ",async" if r["async"] else "") for r in p.get("resets", [])]
            print("%s\tclocks=%s\tresets=%s" % (q, ",".join(p.get("clocks", [])), ",".join(rs)))
            if "--why" in sys.argv:
                for c in p.get("clock_specs", []):
                    print("    clock %s %s by %s: %s" % (c["name"], c["edge"], c["detected_by"], c["why"]))
                for r in p.get("resets", []):
                    print("    reset %s %s by %s: %s" % (r["name"], r["kind"], r["detected_by"], r["why"]))
    finally:
        s.stop()


if __name__ == "__main__":
    main()
