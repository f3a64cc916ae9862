#!/usr/bin/env python3
"""Prints the clocks and resets the server detects for every problem it loads (VerilogEval,
RTLLM, builtin), one line each, for diffing two builds:

    RTLR_SERVER=build/rtlreward-server python3 bench/clkrst_detect.py > new.txt
    RTLR_SERVER=/path/to/old/rtlreward-server python3 bench/clkrst_detect.py > old.txt
    diff old.txt new.txt

Only name, polarity and async are printed (the fields both builds have); with --why, also how
each was decided (detected_by, kind, edge, why; new builds only). With --yosys, each problem's
detection is compared with Yosys's flip-flop inference (tests/integration/test_clkrst.py
_yosys_view): clocks, async resets and sync resets found by use must agree; a reset found by
name only is not checked (Yosys does not see names); lines starting YOSYS-DIFF list the rest."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402


def yosys_diff(q, p):
    import test_clkrst
    if any(c["detected_by"] == "given" for c in p.get("clock_specs", [])) or \
            any(r["detected_by"] == "given" for r in p.get("resets", [])):
        print("YOSYS-GIVEN %s" % q)  # clocks/resets given in the problem: nothing detected
        return
    try:
        yc, yr = test_clkrst._yosys_view(p["reference"], p["ref_top"] or p["top"])
    except Exception as e:  # noqa: BLE001 - Yosys cannot read every golden; say so
        print("YOSYS-SKIP %s: %s" % (q, str(e).splitlines()[-1][:120] if str(e) else type(e).__name__))
        return
    got_c = sorted((c["name"], c["edge"]) for c in p.get("clock_specs", []) if c["detected_by"] == "edge")
    y_c = sorted(yc.items())
    got_r = sorted((r["name"], r["active_low"], r["async"]) for r in p.get("resets", [])
                   if r["detected_by"] in ("async-use", "sync-use"))
    y_r = sorted((n, lo, a) for n, (lo, a, _) in yr.items()
                 if a or n in {r["name"] for r in p.get("resets", [])})
    if got_c != y_c or got_r != y_r:
        print("YOSYS-DIFF %s: server %s %s, yosys %s %s" % (q, got_c, got_r, y_c, y_r))


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
            if "--yosys" in sys.argv:
                yosys_diff(q, p)
            if "--why" in sys.argv:
                for c in p.get("clock_specs", []):
                    print("    clock %s %s by %s: %s" % (c["name"], c["edge"], c["detected_by"], c["why"]))
                for r in p.get("resets", []):
                    print("    reset %s %s by %s: %s" % (r["name"], r["kind"], r["detected_by"], r["why"]))
    finally:
        s.stop()


if __name__ == "__main__":
    main()
