#!/usr/bin/env python3
"""Verilator: the naive flow (`verilator --binary --timing`, as TuRTLe runs it, on the problem's
own testbench) against the server's Verilator engine (engine=verilator, equivalence mode) on the
same VerilogEval references, median wall and CPU per candidate and their ratio, the engine's
per-stage times (Result.times.function_*_ms), and the first candidate of a problem (which builds
the golden model) against a later one; then a long simulation (10^6 cycles) where engine=auto
picks Verilator, against Icarus.

Env: RTLR_SERVER (binary), SHARED (../shared), RTLR_BENCH_N (problems, default 30).
The engine compiles with clang++ when installed; a second server with RTLR_VERILATOR_CXX=g++
measures the g++ fallback on the same problems.
The naive flow runs outside the server's sandbox (it is the baseline being measured, run on the
benchmark's trusted references only)."""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import harness  # noqa: E402


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def naive(pid):
    d = tempfile.mkdtemp(prefix="rtlr-naive-")
    try:
        for suf in ("_ref.sv", "_test.sv"):
            shutil.copy(os.path.join(harness.VEVAL, pid + suf), d)
        with open(os.path.join(d, "top.sv"), "w") as f:
            f.write(harness.veval_ref_as_candidate(pid))
        c0, t0 = child_cpu(), time.time()
        b = subprocess.run(["verilator", "--binary", "--timing", "-Wno-fatal", "-Wno-lint",
                            "-Wno-style", "--top-module", "tb", "-Mdir", "obj",
                            pid + "_test.sv", pid + "_ref.sv", "top.sv"], cwd=d,
                           capture_output=True, timeout=300)
        ok = b.returncode == 0
        if ok:
            subprocess.run(["./obj/Vtb"], cwd=d, capture_output=True, timeout=60)
        return ok, time.time() - t0, child_cpu() - c0
    finally:
        shutil.rmtree(d, ignore_errors=True)


def server_cpu(s):
    with open("/proc/%d/stat" % s.proc.pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    return sum(int(x) for x in v[11:15]) / tck  # utime stime cutime cstime


def main():
    try:
        harness.need_shared()
    except harness.Skip as e:
        print("bench_verilator: skipped: %s" % e)
        return 0
    n = int(os.environ.get("RTLR_BENCH_N", "30"))
    allp = harness.veval_problems()
    step = max(1, len(allp) // n)
    # every step-th problem first, then the others: problems the engine hands to Icarus (x/z in
    # the golden, a golden Verilator refuses) are named and replaced, so that n run Verilator
    pids = allp[::step] + [q for q in allp if q not in allp[::step]]
    s = harness.Server.start()
    # the same with g++ instead of clang++ (the engine's fallback), on a server of its own,
    # measured problem by problem alongside, under the same load
    os.environ["RTLR_VERILATOR_CXX"] = "g++"
    try:
        g = harness.Server.start()
    finally:
        del os.environ["RTLR_VERILATOR_CXX"]
    try:
        # warm-up: builds the runtime objects and the precompiled header once into the cache
        # (on the first problem that runs under Verilator)
        for srv in (s, g):
            for q in pids:
                r = srv.score([(q, harness.fence(harness.veval_ref_as_candidate(q)))],
                              engine="verilator", mode="equivalence", no_cache=True)[0]
                if r["function"]["engine"] == "verilator":
                    break
        warm = q
        fellback = []
        gw, gc, gf, gcc_ms = [], [], [], []
        nw, nc = [], []
        first = {"wall": [], "cpu": [], "golden": [], "fn": []}
        later = {"wall": [], "cpu": [], "fn": [], "ppa": []}
        parts = {k: [] for k in ("verilate", "compile", "link", "run")}
        infra = set()
        counted = 0
        for pid in pids:
            if counted >= n:
                break
            # the first candidate of the problem, measured (it pays for the golden model)
            c0, t0 = server_cpu(s), time.time()
            probe = s.score([(pid, harness.fence(harness.veval_ref_as_candidate(pid)))],
                            engine="verilator", mode="equivalence", no_cache=True)[0]
            probe_wc = (time.time() - t0, server_cpu(s) - c0)
            if probe["function"]["engine"] != "verilator":
                fellback.append(pid)
                continue
            counted += 1
            ok, w, c = naive(pid)
            if ok:
                nw.append(w)
                nc.append(c)
            # the first candidate of a problem pays for its golden model (not for the warm-up's,
            # built by the warm-up); a later one (a variant, so a new candidate) does not
            cand = harness.veval_ref_as_candidate(pid)
            for k, text in enumerate((cand, cand + "\n// variant\n")):
                if k == 0:
                    r, (w, c) = probe, probe_wc
                else:
                    c0, t0 = server_cpu(s), time.time()
                    r = s.score([(pid, harness.fence(text))], engine="verilator",
                                mode="equivalence", no_cache=True)[0]
                    w, c = time.time() - t0, server_cpu(s) - c0
                t = r["times"]
                assert r["function"]["engine"] == "verilator", r
                if r["status"] != "OK":  # INFRA_ERROR
                    infra.add(pid)
                    break
                assert r["function"]["passed"], r
                if k == 0:
                    if pid == warm:
                        continue
                    first["wall"].append(w)
                    first["cpu"].append(c)
                    first["golden"].append(t["function_golden_ms"])
                    first["fn"].append(t["function_ms"])
                else:
                    later["wall"].append(w)
                    later["cpu"].append(c)
                    later["fn"].append(t["function_ms"])
                    later["ppa"].append(t["ppa_ms"])
                    for p in parts:
                        parts[p].append(t["function_%s_ms" % p])
            for k, text in enumerate((cand, cand + "\n// variant\n")):
                if pid in infra:
                    break
                c0, t0 = server_cpu(g), time.time()
                r = g.score([(pid, harness.fence(text))], engine="verilator",
                            mode="equivalence", no_cache=True)[0]
                w, c = time.time() - t0, server_cpu(g) - c0
                assert r["function"]["passed"], r
                if k:
                    gw.append(w)
                    gc.append(c)
                    gf.append(r["times"]["function_ms"])
                    gcc_ms.append(r["times"]["function_compile_ms"])
        med = statistics.median
        if fellback:
            print("verilator engine: %d problems handed to Icarus by the engine (x/z in the golden, "
                  "or a golden Verilator refuses), replaced by the next ones: %s"
                  % (len(fellback), " ".join(fellback)))
        if infra:
            print("verilator engine: INFRA_ERROR on %d of %d problems (%s), left out"
                  % (len(infra), counted, " ".join(sorted(infra))))
        mn, mf = med(nw), med(later["wall"])
        print("verilator naive (--binary --timing): %d/%d built, median wall %.3f s, cpu %.3f s"
              % (len(nw), counted, mn, med(nc)))
        print("verilator engine, new candidate (golden model already built): median wall "
              "%.3f s, cpu %.3f s per score request; function stage %.0f ms (the rest: lint, "
              "PPA %.0f ms, HTTP)" % (mf, med(later["cpu"]), med(later["fn"]), med(later["ppa"])))
        print("verilator engine stages (median ms): verilate %.0f, compile %.0f, link %.0f, "
              "run %.0f" % tuple(med(parts[p]) for p in ("verilate", "compile", "link", "run")))
        print("verilator engine, first candidate of a problem: median wall %.3f s, cpu %.3f s; "
              "function stage %.0f ms, of which golden model build %.0f ms (once per problem)"
              % (med(first["wall"]), med(first["cpu"]), med(first["fn"]), med(first["golden"])))
        print("ratio naive/engine (new candidate): wall %.1fx, cpu %.1fx; naive/function "
              "stage %.1fx" % (mn / mf, med(nc) / max(1e-9, med(later["cpu"])),
                               mn * 1e3 / med(later["fn"])))

        print("verilator engine with g++ (RTLR_VERILATOR_CXX=g++), new candidate: median "
              "wall %.3f s, cpu %.3f s; function stage %.0f ms, compile %.0f ms (clang++: "
              "%.0f ms)" % (med(gw), med(gc), med(gf), med(gcc_ms), med(parts["compile"])))

        # long simulation: a counter with reset configured for 10^6 cycles
        ref = ("module RefModule(input clk, input reset, input [7:0] d, output reg [15:0] q);\n"
               "  always @(posedge clk) if (reset) q <= 0; else q <= q + d;\nendmodule\n")
        st, out = s.json("POST", "/v1/problems", {"id": "long_accum", "reference": ref,
                                                  "top": "TopModule", "ref_top": "RefModule",
                                                  "cycles": 1000000})
        assert st in (200, 201), (st, out)
        cand = harness.fence(ref.replace("RefModule", "TopModule"))
        res = {}
        for eng in ("auto", "icarus", "verilator"):
            t0 = time.time()
            r = s.score([("long_accum", cand)], engine=eng, no_cache=True)[0]
            res[eng] = (time.time() - t0, r["function"]["engine"], r["function"]["passed"],
                        r["function"]["note"])
            t = r["times"]
            print("long simulation (10^6 cycles) engine=%s: %.2f s, ran %s, passed %s; function "
                  "%.0f ms (golden build %.0f, run %.0f); %s"
                  % (eng, res[eng][0], res[eng][1], res[eng][2], t["function_ms"],
                     t["function_golden_ms"], t["function_run_ms"], res[eng][3][:150]))
        print("long simulation: icarus/auto wall ratio %.1fx (auto built the golden), "
              "icarus/verilator %.1fx" % (res["icarus"][0] / res["auto"][0],
                                          res["icarus"][0] / res["verilator"][0]))
    finally:
        s.stop()
        g.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
