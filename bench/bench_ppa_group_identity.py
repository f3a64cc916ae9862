#!/usr/bin/env python3
"""Does one Yosys process for a group give each design the figures of its own process?

Maps the first N VerilogEval references (skipping the slow Prob021) one process each, then all
in one process (design -reset between them, or design -stash with a fixed autoidx base), with
the PPA tier's script on the bundled library, and counts the designs whose `stat` differs.
Measured with Yosys 0.23: 4 of 30 differ (reset), 2 of 30 (stash + autoidx), so the PPA group
entry point (reward/ppa_group.c) keeps one process per candidate.

    SHARED=/work/shared python3 bench/bench_ppa_group_identity.py [N]
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from harness import VEVAL  # noqa: E402

LIB = os.path.join(HERE, "..", "reward", "lib", "rtlr_generic.lib")


def body(i, before):
    return ("%s\nread_verilog -sv in%d.v\nhierarchy -check -top RefModule\n"
            "synth -flatten -noabc -nofsm -top RefModule\ndesign -save rtlr_pre%d\nsplitnets\n"
            "rename RefModule rtlr_ppa_net\nwrite_verilog -noattr gen%d.v\ndesign -load rtlr_pre%d\n"
            "dfflibmap -liberty lib.lib\nabc -liberty lib.lib\nopt_clean -purge\n"
            "tee -q -o stat%d.txt stat\n" % (before, i, i, i, i, i))


def stat(tmp, i):
    try:
        with open(os.path.join(tmp, "stat%d.txt" % i)) as f:
            return re.sub(r"^.*?===", "", f.read(), flags=re.S)
    except OSError:
        return None


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    refs = [r for r in sorted(glob.glob(os.path.join(VEVAL, "*_ref.sv"))) if "Prob021" not in r][:n]
    tmp = tempfile.mkdtemp(prefix="rtlr-pgi-")
    try:
        shutil.copy(LIB, os.path.join(tmp, "lib.lib"))
        with open(os.path.join(tmp, "idx.il"), "w") as f:
            f.write("autoidx 100000000\n")
        for i, r in enumerate(refs):
            shutil.copy(r, os.path.join(tmp, "in%d.v" % i))
        for mode in ("reset", "stash+autoidx"):
            pre = "read_rtlil idx.il\n" if "autoidx" in mode else ""
            single = []
            for i in range(len(refs)):
                with open(os.path.join(tmp, "s.ys"), "w") as f:
                    f.write(pre + body(i, ""))
                subprocess.run(["yosys", "-q", "-s", "s.ys"], cwd=tmp, capture_output=True)
                single.append(stat(tmp, i))
            for f in glob.glob(os.path.join(tmp, "stat*.txt")):
                os.unlink(f)
            g = pre + "".join(body(i, ("design -stash rtlr_done%d" % i if i else "")
                                   if "stash" in mode else "design -reset")
                              for i in range(len(refs)))
            with open(os.path.join(tmp, "g.ys"), "w") as f:
                f.write(g)
            subprocess.run(["yosys", "-q", "-s", "g.ys"], cwd=tmp, capture_output=True)
            diff = [os.path.basename(refs[i]) for i in range(len(refs)) if stat(tmp, i) != single[i]]
            print("%s: %d of %d designs map differently in one process: %s" % (
                mode, len(diff), len(refs), " ".join(diff)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
