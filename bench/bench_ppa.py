#!/usr/bin/env python3
"""PPA tier cost on the VerilogEval v2 references, for the bundled library and (when
$SHARED/pdk is present) sky130.

For each library: a server scores every reference as a candidate (golden PPA computed once and
kept), then scores them all again with no_cache (only the candidate's synthesis + STA runs,
the golden comes from memory): ppa_ms of that second pass is the cost PPA adds per passing
candidate. Baseline, measured in the same run: the naive flow on the full liberty (Yosys
`synth -flatten; dfflibmap; abc; stat -liberty` and OpenSTA each reading the whole file), run
directly on a sample of the references. Prints the count synthesized, medians, and ratios.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from harness import Server, VEVAL, SHARED, fence, read, veval_ref_as_candidate  # noqa: E402

SKY130 = os.path.join(SHARED, "pdk", "sky130_fd_sc_hd__tt_025C_1v80.dont_use.lib.gz")
BUNDLED = os.path.join(HERE, "..", "reward", "lib", "rtlr_generic.lib")
SAMPLE = int(os.environ.get("RTLR_PPA_SAMPLE", "15"))
# one worker: per-candidate latency comparable with the sequential baseline; set 0 for one per core
WORKERS = os.environ.get("RTLR_PPA_WORKERS", "1")


def naive(lib, pids):
    """Median wall time of the full-library flow by hand (no sandbox: a lower bound)."""
    times = []
    with tempfile.TemporaryDirectory(prefix="rtlr-bppa-") as tmp:
        full = os.path.join(tmp, "full.lib")
        data = subprocess.run(["zcat", "-f", lib], capture_output=True, check=True).stdout
        with open(full, "wb") as f:
            f.write(data)
        for pid in pids:
            with open(os.path.join(tmp, "d.sv"), "w") as f:
                f.write(read(os.path.join(VEVAL, pid + "_ref.sv")))
            with open(os.path.join(tmp, "s.ys"), "w") as f:
                f.write("read_verilog -sv d.sv\nsynth -flatten -top RefModule\n"
                        "dfflibmap -liberty full.lib\nabc -liberty full.lib\nopt_clean\n"
                        "stat -liberty full.lib\nwrite_verilog -noattr -simple-lhs net.v\n")
            with open(os.path.join(tmp, "t.tcl"), "w") as f:
                f.write("read_liberty full.lib\nread_verilog net.v\nlink_design RefModule\n"
                        "create_clock -name v -period 10\nset_input_delay 0 -clock v [all_inputs]\n"
                        "set_output_delay 0 -clock v [all_outputs]\nreport_checks\nreport_power\n")
            t0 = time.time()
            y = subprocess.run(["yosys", "-q", "-s", "s.ys"], cwd=tmp, capture_output=True)
            if y.returncode != 0:
                continue
            subprocess.run(["sta", "-no_init", "-no_splash", "-exit", "t.tcl"], cwd=tmp,
                           capture_output=True)
            times.append((time.time() - t0) * 1000)
    return statistics.median(times) if times else float("nan"), len(times)


def run(label, extra, lib):
    pids = sorted(f[:-len("_ref.sv")] for f in os.listdir(VEVAL) if f.endswith("_ref.sv"))
    s = Server.start(extra + ["--no-builtin", "--workers", WORKERS])
    try:
        items = [(pid, fence(veval_ref_as_candidate(pid))) for pid in pids]
        t0 = time.time()
        first = s.score(items)
        t_first = time.time() - t0
        t0 = time.time()
        second = s.score(items, no_cache=True)
        t_second = time.time() - t0
    finally:
        s.stop()
    passed = [r for r in first if r["status"] == "OK" and r["function"]["passed"]]
    gold_ok = [r for r in passed if r["ppa"]["golden_area"] > 0 or r["ppa"]["checked"]]
    checked = [r for r in second if r["ppa"]["checked"]]
    fails = {}
    for r in passed:
        if not r["ppa"]["checked"]:
            reason = re.sub(r"\(.*", "", r["ppa"]["reason"])[:90]
            fails[reason] = fails.get(reason, 0) + 1
    ppa = [r["times"]["ppa_ms"] for r in checked]
    func = [r["times"]["function_ms"] for r in checked]
    med = statistics.median(ppa) if ppa else float("nan")
    p90 = sorted(ppa)[int(0.9 * (len(ppa) - 1))] if ppa else float("nan")
    fmed = statistics.median(func) if func else float("nan")
    # the baseline on an evenly spaced sample, and the server's median on the same designs
    step = max(1, len(checked) // SAMPLE)
    sample = checked[::step][:SAMPLE]
    base, nb = naive(lib, [r["problem"] for r in sample])
    smed = statistics.median(r["times"]["ppa_ms"] for r in sample) if sample else float("nan")
    goal = 150 if label == "rtlr_generic" else 300
    print("%s (workers %s): %d references, %d pass the function tier, golden PPA for %d, candidate PPA for %d"
          % (label, WORKERS, len(pids), len(passed), len(gold_ok), len(checked)))
    for k, v in sorted(fails.items(), key=lambda kv: -kv[1]):
        print("    no PPA (%d): %s" % (v, k))
    print("  PPA per passing candidate (golden cached): median %.0f ms, p90 %.0f ms (goal <= %d ms: %s)"
          % (med, p90, goal, "met" if med <= goal else "NOT met"))
    print("  function tier median %.0f ms: PPA/function = %.2f" % (fmed, med / fmed))
    print("  naive full-library flow by hand, unsandboxed, on %d of them: median %.0f ms; the server"
          " on the same designs: median %.0f ms: server/naive = %.2f" % (nb, base, smed, smed / base))
    print("  batch wall: first pass (golden + candidate) %.1f s, second pass %.1f s"
          % (t_first, t_second))


def main():
    if not os.path.isdir(VEVAL):
        print("SKIP: VerilogEval not found under %s (set SHARED)" % SHARED)
        return 0
    only = os.environ.get("RTLR_PPA_LIB", "")
    if only in ("", "rtlr_generic"):
        run("rtlr_generic", [], BUNDLED)
    if only == "rtlr_generic":
        return 0
    if only not in ("", "sky130"):
        return 0
    if os.path.exists(SKY130):
        run("sky130", ["--liberty", SKY130], SKY130)
    else:
        print("SKIP sky130: %s not found" % SKY130)
    return 0


if __name__ == "__main__":
    sys.exit(main())
