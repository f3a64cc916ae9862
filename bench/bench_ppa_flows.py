#!/usr/bin/env python3
"""Which Yosys flow for the PPA tier: speed against fidelity to the reference flow.

Every flow maps the same designs to the same reduced bundled library (the copies the server
keeps under CACHE/ppa/lib-*), and OpenSTA times every netlist with the same script, so only the
synthesis script differs. Designs: the VerilogEval v2 references ($SHARED/data/verilog-eval),
the equivalent rewrites in tests/data/candidates/*/good_*.txt and the PPA pairs in
tests/data/ppa. Speed: wall time of the Yosys run (the whole script the server runs, including
the generic netlist it writes for the netlist check), median and p90 over the designs, measured
in interleaved rounds (each design runs every flow in turn, the order rotating) under whatever
load the machine has. Fidelity: Spearman rank correlation of area and of delay with the
reference flow ("current") over the designs both synthesize, and the orderings of
tests/integration/test_ppa.py (ripple smaller and slower than Kogge-Stone, binary FSM smaller
than one-hot, padded counter larger and hungrier than plain).

    python3 bench/bench_ppa_flows.py [--rounds N] [--limit N] [--timeout S]
"""
import argparse
import glob
import os
import resource
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import VEVAL, Server, read  # noqa: E402

CAND = os.path.join(ROOT, "tests", "data", "candidates")
PAIRS = os.path.join(ROOT, "tests", "data", "ppa")

_PRE = ("read_verilog -sv d.v\nhierarchy -check -top {top}\n")
_CHECK = ("select -assert-none t:$_DLATCH* t:$_SR_* t:$_DLATCHSR_*\n"
          "design -save rtlr_pre\nsplitnets\nrename {top} rtlr_ppa_net\n"
          "write_verilog -noattr gen.v\ndesign -load rtlr_pre\n")
_POST = ("opt_clean -purge\nselect -assert-none t:$_*\ntee -q -o stat.txt stat\n"
         "write_verilog -noattr -simple-lhs net.v\n")
# the synth script's own steps, with parts left out
_COARSE_LIGHT = ("proc\nflatten\nopt_expr\nopt_clean\ncheck\nopt -nodffe -nosdff\nopt\nwreduce\n"
                 "peepopt\nopt_clean\nalumacc\nopt\nmemory -nomap\nopt_clean\n")
_FINE_LIGHT = "opt -fast -full\nmemory_map\nopt -full\ntechmap\nopt -fast\n"
_FINE_FAST = "opt -fast\nmemory_map\ntechmap\nopt -fast\n"

FLOWS = {
    "current": _PRE + "synth -flatten -noabc -nofsm -top {top}\n" + _CHECK +
    "dfflibmap -liberty seq.lib\nabc -liberty comb.lib\n" + _POST,
    "abc-fast": _PRE + "synth -flatten -noabc -nofsm -top {top}\n" + _CHECK +
    "dfflibmap -liberty seq.lib\nabc -fast -liberty comb.lib\n" + _POST,
    "noshare": _PRE + "synth -flatten -noabc -nofsm -noshare -top {top}\n" + _CHECK +
    "dfflibmap -liberty seq.lib\nabc -liberty comb.lib\n" + _POST,
    "noshare+abc-fast": _PRE + "synth -flatten -noabc -nofsm -noshare -top {top}\n" + _CHECK +
    "dfflibmap -liberty seq.lib\nabc -fast -liberty comb.lib\n" + _POST,
    "light-opt": _PRE + _COARSE_LIGHT + _FINE_LIGHT + _CHECK +
    "dfflibmap -liberty seq.lib\nabc -liberty comb.lib\n" + _POST,
    "light-opt+abc-fast": _PRE + _COARSE_LIGHT + _FINE_FAST + _CHECK +
    "dfflibmap -liberty seq.lib\nabc -fast -liberty comb.lib\n" + _POST,
}
ORDER = list(FLOWS)

STA = """read_liberty sta.lib
read_verilog net.v
link_design {top}
{clock}
set rtlr_in {{}}
foreach p [all_inputs] {{ if {{[get_name $p] != "clk"}} {{ lappend rtlr_in $p }} }}
if {{[llength $rtlr_in]}} {{
  set_input_delay 0 -clock rtlr_clk0 $rtlr_in
  set_driving_cell -lib_cell {buf} -pin {pin} $rtlr_in
}}
set rtlr_out [all_outputs]
if {{[llength $rtlr_out]}} {{
  set_output_delay 0 -clock rtlr_clk0 $rtlr_out
  set_load {load} $rtlr_out
}}
set_power_activity -global -activity 0.1 -duty 0.5
report_checks -path_delay max -digits 6
report_power -digits 6
"""


def designs(limit):
    out = []
    for f in sorted(glob.glob(os.path.join(VEVAL, "*_ref.sv")))[:limit or None]:
        out.append((os.path.basename(f)[:-7], read(f), "RefModule"))
    for f in sorted(glob.glob(os.path.join(CAND, "*", "good_*.txt"))):
        m = re.search(r"```(?:verilog|systemverilog)?\n(.*?)```", read(f), re.S)
        if m:
            out.append(("rewrite/" + os.path.relpath(f, CAND)[:-4], m.group(1), "TopModule"))
    for f in sorted(glob.glob(os.path.join(PAIRS, "*.v"))):
        if "latch" not in f:
            top = "RefModule" if f.endswith("_golden.v") else "TopModule"
            out.append(("ppa/" + os.path.basename(f)[:-2], read(f), top))
    return out


def reduced_libs(dest):
    """The reduced bundled library, as the server writes it at start-up."""
    s = Server.start(["--no-builtin"])
    try:
        libs = glob.glob(os.path.join(s.tmp, "cache", "ppa", "lib-*"))
        for f in ("ppa_seq.lib", "ppa_comb.lib", "ppa_sta.lib"):
            shutil.copy(os.path.join(libs[0], f), os.path.join(dest, f[4:]))
        st, info = s.json("GET", "/v1/problems")
        del st, info
    finally:
        s.stop()
    lib = read(os.path.join(dest, "sta.lib"))
    # the smallest buffer: the bundled library's BUF cell
    m = re.search(r"cell\s*\(\s*\"?(BUF\w*)\"?\s*\)", lib)
    return (m.group(1) if m else "BUF"), "Y"


def run_flow(tmp, flow, name, text, top, timeout):
    with open(os.path.join(tmp, "d.v"), "w") as f:
        f.write(text)
    for f in ("stat.txt", "net.v"):
        if os.path.exists(os.path.join(tmp, f)):
            os.unlink(os.path.join(tmp, f))
    with open(os.path.join(tmp, "s.ys"), "w") as f:
        f.write(FLOWS[flow].format(top=top))
    t0 = time.monotonic()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        y = subprocess.run(["nice", "-n", "10", "yosys", "-q", "-s", "s.ys"], cwd=tmp,
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, (timeout * 1000, timeout * 1000)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    ms = (time.monotonic() - t0) * 1000
    cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000
    if y.returncode != 0:
        return None, (ms, cpu)
    return read(os.path.join(tmp, "stat.txt")), (ms, cpu)


def parse(stat, sta_out, areas):
    area = 0.0
    for cell, n in re.findall(r"^\s+(\w+)\s+(\d+)\s*$", stat, re.M):
        area += areas.get(cell, 0.0) * int(n)
    m = re.search(r"^\s*(-?[0-9.]+)\s+data arrival time", sta_out, re.M)
    delay = float(m.group(1)) if m else 0.0
    m = re.search(r"^Total\s+\S+\s+\S+\s+\S+\s+(\S+)", sta_out, re.M)
    power = float(m.group(1)) if m else 0.0
    return area, delay, power


def time_it(tmp, top, text, bufcell, load):
    clock = ("create_clock -name rtlr_clk0 -period 10 [get_ports clk]"
             if re.search(r"input\s+(wire\s+|logic\s+)?clk\b", text) else
             "create_clock -name rtlr_clk0 -period 10")
    with open(os.path.join(tmp, "t.tcl"), "w") as f:
        f.write(STA.format(top=top, clock=clock, buf=bufcell[0], pin=bufcell[1], load=load))
    r = subprocess.run(["nice", "-n", "10", "sta", "-no_init", "-no_splash", "-exit", "t.tcl"],
                       cwd=tmp, capture_output=True, text=True, timeout=120)
    return r.stdout + r.stderr


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2.0
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.mean(ra), statistics.mean(rb)
    num = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    den = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return num / den if den else 1.0


def orderings(fig):
    """The orderings test_ppa.py checks, on this flow's figures: (kept, total)."""
    g = {k.split("/", 1)[1]: v for k, v in fig.items() if k.startswith("ppa/")}
    checks = []
    try:
        rip, ks = g["add16_ripple"], g["add16_lookahead"]
        checks += [rip[0] < ks[0], ks[1] < rip[1]]
        checks += [g["fsm_binary"][0] < g["fsm_onehot"][0]]
        pl, pad = g["cnt_plain"], g["cnt_padded"]
        checks += [pad[0] > pl[0], pad[2] > pl[2]]
    except KeyError:
        checks.append(False)
    return sum(checks), len(checks)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * (len(xs) - 1) + 0.5))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="first N VerilogEval references only")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per Yosys run")
    ap.add_argument("--flows", default=",".join(ORDER))
    a = ap.parse_args()
    flows = a.flows.split(",")
    tmp = tempfile.mkdtemp(prefix="rtlr-flows-")
    try:
        bufcell = reduced_libs(tmp)
        lib = read(os.path.join(tmp, "sta.lib"))
        areas = {c: float(x) for c, x in re.findall(
            r"cell\s*\(\s*\"?(\w+)\"?\s*\)\s*{[^}]*?area\s*:\s*([0-9.]+)", lib, re.S)}
        m = re.search(r"pin\s*\(\s*\"?A\"?\s*\)\s*{[^}]*?capacitance\s*:\s*([0-9.]+)",
                      lib[lib.find(bufcell[0]):], re.S)
        load = 4 * float(m.group(1)) if m else 0.01
        ds = designs(a.limit)
        ms = {f: {} for f in flows}
        fig = {f: {} for f in flows}
        for rnd in range(a.rounds):
            for i, (name, text, top) in enumerate(ds):
                rot = (i + rnd) % len(flows)
                for flow in flows[rot:] + flows[:rot]:
                    stat, t = run_flow(tmp, flow, name, text, top, a.timeout)
                    ms[flow].setdefault(name, []).append(t)
                    if stat is not None and rnd == 0:
                        fig[flow][name] = parse(stat, time_it(tmp, top, text, bufcell, load),
                                                areas)
            print("round %d done" % (rnd + 1), file=sys.stderr)
        ref = flows[0]
        print("| flow | designs synthesized | yosys wall ms median / p90 | yosys CPU ms median / "
              "p90 / max | Spearman area | Spearman delay | orderings kept |")
        print("|---|---|---|---|---|---|---|")
        for flow in flows:
            per = [statistics.median(x[0] for x in v) for v in ms[flow].values()]
            cpu = [statistics.median(x[1] for x in v) for v in ms[flow].values()]
            common = [n for n in fig[ref] if n in fig[flow]]
            sa = spearman([fig[ref][n][0] for n in common], [fig[flow][n][0] for n in common])
            sd = spearman([fig[ref][n][1] for n in common], [fig[flow][n][1] for n in common])
            ok, tot = orderings(fig[flow])
            print("| %s | %d/%d | %.0f / %.0f | %.0f / %.0f / %.0f | %.4f | %.4f | %d/%d |" % (
                flow, len(fig[flow]), len(ds), statistics.median(per), pct(per, 0.9),
                statistics.median(cpu), pct(cpu, 0.9), max(cpu), sa, sd, ok, tot))
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
