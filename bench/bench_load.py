#!/usr/bin/env python3
"""The server under GRPO-shaped load, driven by the C load generator (build/rtlreward-load).

  a. baseline: the candidates of the first RTLR_LOAD_BATCHES GRPO batches scored one per
     request, one client, cache off;
  b. GRPO: the same batches (the same candidates: same seed), VerilogEval problems, P prompts x G=16, 25% exact + 25% comment/whitespace
     duplicates, 10% syntax errors, 10% wrong designs (operator mutants), 1% simulations that
     never end, every other sample a fresh correct design (unique per run), 2 closed-loop
     clients, cache on: throughput as a ratio to (a), server CPU (cores busy; goal ~2.0);
  c. overload: open loop far above capacity against a small queue: 429s, no failed or hung
     connection;
  d. soak: the GRPO workload for RTLR_SOAK_SECONDS (default 600, i.e. 10 minutes) against a
     server with a 1 MiB in-memory cache (so the LRU is full early and growth would be a leak):
     RSS first / last / max and its slope.

Each phase gets a fresh server (so no phase answers another's candidates from its cache), all
with --sim-timeout 3. Plots and CSV/JSON go to RTLR_BUILD/bench/load_*.{png,csv,json}.
Environment: RTLR_SERVER, RTLR_BUILD, SHARED, RTLR_LOAD_BATCHES (batches in a and b, default
4), RTLR_LOAD_P (prompts per batch, default 8), RTLR_LOAD_SECONDS (cap of a and b, default
300), RTLR_LOAD_PPA (default 0: the servers run with --ppa 0), RTLR_SOAK_SECONDS. The machine is shared: only the
ratios of one run mean anything.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402

BUILD = os.environ.get("RTLR_BUILD") or os.path.join(ROOT, "build")
LOADGEN = os.path.join(BUILD, "rtlreward-load")
OUT = os.path.join(BUILD, "bench")
SECONDS = float(os.environ.get("RTLR_LOAD_SECONDS", "300"))
SOAK_S = float(os.environ.get("RTLR_SOAK_SECONDS", "600"))
P = int(os.environ.get("RTLR_LOAD_P", "8"))
G = 16
MIX = ["--dup-exact", "0.25", "--dup-ws", "0.25", "--syntax-err", "0.10", "--wrong", "0.10",
       "--timeout", "0.01"]
BATCHES = int(os.environ.get("RTLR_LOAD_BATCHES", "4"))
# PPA off by default: Yosys + OpenSTA cost 0.3-0.5 s per full pass here and 9-27 s on some
# VerilogEval designs (Prob021_mux256to1v), which would measure the PPA tier, not the server
PPA = os.environ.get("RTLR_LOAD_PPA", "0")
SERVER_FLAGS = ["--sim-timeout", "3", "--ppa", PPA]


# VerilogEval problems whose golden fails its own testbench under Icarus 11 (README
# "Conformance"; every candidate gets INFRA_ERROR), and Prob144, whose golden's testbench run
# needs more than the bench's --sim-timeout 3
UNUSABLE = ["Prob082_lfsr32", "Prob099_m2014_q6c", "Prob141_count_clock", "Prob144_conwaylife",
            "Prob151_review2015_fsm", "Prob156_review2015_fancytimer"]


def workload():
    if os.path.isdir(harness.VEVAL):
        n = len([f for f in os.listdir(harness.VEVAL) if f.endswith("_ref.sv")])
        skip = sum((["--skip", p] for p in UNUSABLE), [])
        return ["--veval", harness.VEVAL] + skip, "VerilogEval v2 (%d of %d problems)" % (
            n - len(UNUSABLE), n)
    print("note: %s absent: the workload uses the built-in problems" % harness.VEVAL)
    return ["--problems", os.path.join(ROOT, "problems")], "built-in problems"


def load(srv, name, args, seconds):
    os.makedirs(OUT, exist_ok=True)
    js = os.path.join(OUT, "load_%s.json" % name)
    png = os.path.join(OUT, "load_%s.png" % name)
    cmd = [LOADGEN, "--url", "http://127.0.0.1:%d" % srv.port, "--server-pid", str(srv.proc.pid),
           "--seconds", str(seconds), "--req-timeout", "120", "--json", js, "--plot", png,
           "--csv", os.path.join(OUT, "load_%s.csv" % name), "--title", "rtlreward-load: " + name] + args
    print("$ " + " ".join(cmd[1:]).replace(harness.SHARED, "$SHARED"), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 300)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        raise RuntimeError("rtlreward-load exited %d" % p.returncode)
    r = json.load(open(js))
    r["png"] = png if os.path.exists(png) else None
    return r


def phase(name, flags, args, seconds):
    srv = harness.Server.start(extra=SERVER_FLAGS + flags)
    try:
        return load(srv, name, args, seconds)
    finally:
        srv.stop()


def rss_at(csv_path, frac):
    rows = [r.split(",") for r in open(csv_path).read().splitlines()[1:]]
    rows = [(float(r[0]), int(r[12])) for r in rows if r[12]]
    if not rows:
        return None
    t_end = rows[-1][0]
    for t, rss in rows:
        if t >= frac * t_end:
            return rss
    return rows[-1][1]


def main():
    if not os.access(LOADGEN, os.X_OK):
        print("%s missing: run `make all`" % LOADGEN)
        return 1
    wl, src = workload()
    ok = True
    plots = []
    grpo = wl + ["--prompts", str(P), "--group", str(G), "--unique", "--seed", "7"] + MIX
    print("workload: %s, %d batches of P=%d x G=%d, shares: 25%% exact dups, 25%% comment/"
          "whitespace dups, 10%% syntax errors, 10%% wrong, 1%% never-ending simulations "
          "(--sim-timeout 3), rest fresh correct designs; server --ppa %s" %
          (src, BATCHES, P, G, PPA), flush=True)

    # a. one at a time, cache off: the candidates of the first BATCHES batches, in order
    base = phase("baseline", [], grpo + ["--one-at-a-time", "--closed", "1", "--no-cache",
                                         "--requests", str(BATCHES * P * G)], SECONDS)
    # b. the same batches, whole, cache on
    b = phase("grpo", [], grpo + ["--closed", "2", "--requests", str(BATCHES)], SECONDS)
    if base["results"] != b["results"]:
        print("note: the phases were cut by RTLR_LOAD_SECONDS: baseline %d candidates, grpo %d" %
              (base["results"], b["results"]))
    ratio = b["candidates_per_s"] / base["candidates_per_s"] if base["candidates_per_s"] else 0
    print("RESULT grpo: %.2f cand/s (batches of %d, 2 clients, hit rate %.2f, p50 %.0f ms p99 %.0f ms"
          " per batch) vs one-at-a-time cache-off %.2f cand/s: ratio %.2f; server CPU %.2f cores "
          "busy (baseline %.2f; goal: both cores, ~2.0) while the whole machine was %.2f cores busy"
          " (baseline %.2f)" %
          (b["candidates_per_s"], P * G, b["hit_rate"] or 0, b["latency_ms"]["p50"] or 0,
           b["latency_ms"]["p99"] or 0, base["candidates_per_s"], ratio,
           b.get("server_cores", 0), base.get("server_cores", 0), b.get("host_cores") or 0,
           base.get("host_cores") or 0), flush=True)
    def per_cpu(x):
        return x["results"] / x["server_cpu_s"] if x.get("server_cpu_s") else 0
    print("RESULT grpo per server CPU second (independent of what else ran on the machine): "
          "%.1f candidates vs baseline %.1f: ratio %.2f" %
          (per_cpu(b), per_cpu(base), per_cpu(b) / per_cpu(base) if per_cpu(base) else 0), flush=True)
    ok &= b["failed"] == 0 and base["failed"] == 0 and ratio > 1.0 and b["infra"] == 0
    plots += [base["png"], b["png"]]

    # c. overload: ~16 batches of 16 per second against a queue of 32
    # (128 connections from one address: above the default --max-connections-per-client)
    c = phase("overload", ["--queue", "32", "--workers", "2", "--max-connections-per-client", "256"],
              wl + ["--prompts", "1", "--group", "16", "--unique", "--seed", "8", "--rate", "16",
                    "--conns", "128", "--requests", "160"] + MIX[:6], 10)
    print("RESULT overload (queue 32, open loop 16 batches/s x 16 for 10 s): %d sent, status %s, "
          "%d failed connections (connect %d, io %d, timeout %d), 200s p99 %.0f ms" %
          (c["issued"], c["status"], c["failed"], c["errors"]["connect"], c["errors"]["io"],
           c["errors"]["timeout"], c["latency_ms"]["p99"] or 0), flush=True)
    ok &= c["failed"] == 0 and c["http_429"] > 0 and c["answered"] == c["issued"]
    plots.append(c["png"])

    # d. soak
    d = phase("soak", ["--cache-mem", "1"], grpo + ["--seed", "9", "--closed", "2",
                                                     "--requests", "100000000"], SOAK_S)
    r = d.get("rss_kib", {})
    warm = rss_at(os.path.join(OUT, "load_soak.csv"), 0.1)
    print("RESULT soak %.0f s: %d candidates (%d INFRA_ERROR), %d failed requests, RSS first %s "
          "last %s max %s KiB (at 10%% of the run %s), slope %+.1f KiB/min" %
          (d["wall_s"], d["results"], d["infra"], d["failed"], r.get("first"), r.get("last"),
           r.get("max"), warm, r.get("slope_per_min", 0)), flush=True)
    ok &= d["failed"] == 0 and d["infra"] == 0 and (warm is None or r.get("last", 0) <= warm * 1.25 + 8192)
    plots.append(d["png"])

    for p in plots:
        print("plot: %s" % (p or "(none: gnuplot missing)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
