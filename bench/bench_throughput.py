#!/usr/bin/env python3
"""Throughput of the server, as ratios against baselines measured in the same run.

  1. unique candidates: server throughput vs the raw tool floor: the very commands the server
     ran (recorded by its sandbox under RTLR_TRACE_JOBS), replayed back to back by 2 parallel
     shell loops, interleaved with the server in rounds;
  2. a GRPO-shaped batch (P prompts x G=16 samples, DUP share exact/comment duplicates) vs
     one-candidate-at-a-time scoring with the cache off; server CPU use (cores) during both;
  3. a fully cached batch of 1,024: request latency, and the p99 of per-candidate cache hits;
  4. restart keeps the cache; 5. overload: 429s with Retry-After, no failed connections;
  6. RSS over a run of RTLR_BENCH_RSS_S seconds (default 20).

Environment: RTLR_SERVER, SHARED, RTLR_BENCH_N (unique candidates, default 120), RTLR_BENCH_P
(prompts, default 8). The machine is shared: only ratios from one run are meaningful.
"""
import concurrent.futures as cf
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SERVER = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")
SHARED = os.environ.get("SHARED") or os.path.join(ROOT, "..", "shared")
VEVAL = os.path.join(SHARED, "data", "verilog-eval", "dataset_spec-to-rtl")
N_UNIQUE = int(os.environ.get("RTLR_BENCH_N", "120"))
P = int(os.environ.get("RTLR_BENCH_P", "8"))
G = 16
DUP = 0.5           # share of the G samples that repeat another one (exact or comments/spaces)
RSS_S = float(os.environ.get("RTLR_BENCH_RSS_S", "20"))

REF = ("module RefModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
       "  assign {cout, sum} = {1'b0, a} + {1'b0, b};\nendmodule\n")


def adder(k):
    return ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
            "  wire [15:0] unused_k = 16'd%d;\n  assign {cout, sum} = a + b;\nendmodule\n" % k)


def fence(code):
    return "```verilog\n%s\n```\n" % code


class Srv:
    def __init__(self, extra=(), cache=None, env=None):
        self.tmp = tempfile.mkdtemp(prefix="rtlr-bench-")
        self.cache = cache or os.path.join(self.tmp, "cache")
        args = [SERVER, "--port", "0", "--cache-dir", self.cache,
                "--job-dir", os.path.join(self.tmp, "jobs")] + list(extra)
        if os.path.isdir(VEVAL):
            args += ["--problems", VEVAL]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, env=env,
                                     stderr=open(os.path.join(self.tmp, "log"), "w"), text=True)
        m = re.search(r":(\d+)\s*$", self.proc.stdout.readline())
        if not m:
            raise RuntimeError("server did not start")
        self.port = int(m.group(1))

    def post(self, items, timeout=600, **opts):
        body = dict(items=[{"problem": p, "completion": c} for p, c in items], **opts)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("POST", "/v1/score", json.dumps(body), {"Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def score(self, items, **opts):
        st, _, raw = self.post(items, **opts)
        assert st == 200, (st, raw[:300])
        return json.loads(raw)["results"]

    def cpu_s(self):
        f = open("/proc/%d/stat" % self.proc.pid).read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")

    def rss_kb(self):
        for line in open("/proc/%d/status" % self.proc.pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def replay(jobs):
    """The tool floor: the very commands the server ran for these candidates (recorded by the
    sandbox under RTLR_TRACE_JOBS, with their job directories), replayed back to back by 2
    parallel plain shell loops with the sandbox's environment, no server and no sandbox."""
    lists = [jobs[k::2] for k in (0, 1)]
    t0 = time.time()
    ps = []
    for lst in lists:
        script = "".join("cd '%s' && sh '%s.sh' >/dev/null 2>&1; " % (j, j) for j in lst) or "true"
        ps.append(subprocess.Popen(["env", "-i", "PATH=/usr/bin:/bin", "LANG=C", "sh", "-c", script]))
    for p in ps:
        p.wait()
    return time.time() - t0


def floor_vs_server(n, rounds=4):
    """Unique candidates, interleaved in rounds: the server scores a chunk (its sandbox keeps the
    job directories and command lines), then a shell loop replays that chunk's commands; the
    ratio is total floor time / total server time over all rounds, so both halves of each round
    see the same machine load."""
    trace = tempfile.mkdtemp(prefix="rtlr-trace-")
    env = dict(os.environ, RTLR_TRACE_JOBS=trace)
    s = Srv(env=env)                                     # the default --workers
    try:
        s.score([("add8_cout", fence(adder(99999)))])        # golden preparation, not measured
        t_srv = t_floor = 0.0
        cpu = 0.0
        per = max(2, n // rounds)
        for r in range(rounds):
            before = set(os.listdir(trace))
            items = [("add8_cout", fence(adder(100000 + r * per + i))) for i in range(per)]
            c0, t0 = s.cpu_s(), time.time()
            res = s.score(items)
            dt = time.time() - t0
            t_srv += dt
            cpu += s.cpu_s() - c0
            assert all(x["status"] == "OK" and x["function"]["passed"] for x in res), res[0]
            new = sorted(os.path.join(trace, j) for j in set(os.listdir(trace)) - before
                         if not j.endswith(".sh") and os.path.exists(os.path.join(trace, j + ".sh")))
            t_floor += replay(new)
        return per * rounds, t_srv, t_floor, cpu
    finally:
        s.stop()
        shutil.rmtree(trace, ignore_errors=True)


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def grpo_items(probs):
    items = []
    for pi, (pid, code) in enumerate(probs):
        uniq = int(G * (1 - DUP))
        base = []
        for g in range(uniq):
            if g % 4 == 3:
                c = code.replace("endmodule", "assign ;\nendmodule", 1)      # syntax error
            elif g % 4 == 2:
                c = re.sub(r"\+", "-", code, count=1) + "\n// wrong %d\n" % g   # likely wrong
                c = c.replace("module TopModule", "module TopModule /* w%d */" % g)
                c += "\nmodule Unused_%d; endmodule\n" % g
            else:
                c = code + "\nmodule Pad_%d_%d; endmodule\n" % (pi, g)
            base.append(c)
        for g in range(G):
            if g < uniq:
                items.append((pid, fence(base[g])))
            elif g % 2:
                items.append((pid, fence(base[g % uniq])))                      # exact
            else:
                items.append((pid, fence("// again\n" + base[g % uniq].replace("\n", "\n\n"))))
    return items


def problems():
    if os.path.isdir(VEVAL):
        ids = sorted(f[:-7] for f in os.listdir(VEVAL) if f.endswith("_ref.sv"))[:P]
        return [(i, re.sub(r"\bRefModule\b", "TopModule",
                           open(os.path.join(VEVAL, i + "_ref.sv")).read())) for i in ids], "VerilogEval"
    print("note: %s absent: GRPO workload uses the built-in add8_cout only" % VEVAL)
    return [("add8_cout", adder(0))] * 1, "built-in"


def main():
    ok = True
    s = Srv()
    try:
        # 1. unique candidates vs the tool floor (the same commands, replayed), interleaved
        nu, t_srv, t_floor, cpu = floor_vs_server(N_UNIQUE)
        print("unique: %d candidates (full pipeline incl. PPA), server %.1f cand/s, tool floor "
              "%.1f cand/s (same commands, 2 shell loops, interleaved rounds), ratio %.2f "
              "(target >= 0.90); server CPU %.2f cores"
              % (nu, nu / t_srv, nu / t_floor, t_floor / t_srv, cpu / t_srv))
        items = [("add8_cout", fence(adder(100000 + i))) for i in range(N_UNIQUE)]
        s.score(items)

        # 2. GRPO-shaped vs one at a time, cache off
        probs, src = problems()
        gi = grpo_items(probs)
        t0 = time.time()
        for it in gi:
            s.score([it], no_cache=True)
        base = len(gi) / (time.time() - t0)
        c0, t0 = s.cpu_s(), time.time()
        res = s.score(gi, seed=4242)
        dt = time.time() - t0
        cached = sum(1 for r in res if r.get("cached"))
        print("grpo (%s, P=%d x G=%d, %.0f%% duplicates): batch %.1f cand/s vs one-at-a-time "
              "cache-off %.1f cand/s, ratio %.2f; %d/%d answered from cache/dedup; server CPU "
              "%.2f cores" % (src, len(probs), G, DUP * 100, len(gi) / dt, base,
                              (len(gi) / dt) / base, cached, len(gi), (s.cpu_s() - c0) / dt))

        # 3. fully cached 1,024
        batch = (items * (1024 // len(items) + 1))[:1024]
        s.score(batch)
        body = json.dumps({"items": [{"problem": p, "completion": t} for p, t in batch]})
        lat, full, hits = [], [], []
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)   # kept alive, as a client would
        c0 = s.cpu_s()
        for _ in range(21):
            t0 = time.time()
            c.request("POST", "/v1/score", body, {"Content-Type": "application/json"})
            raw = c.getresponse().read()
            lat.append((time.time() - t0) * 1e3)
            res = json.loads(raw)["results"]
            full.append((time.time() - t0) * 1e3)
            hits += [r["times"]["total_ms"] for r in res]
            assert len(res) == 1024 and all(r.get("cached") for r in res)
        c.close()
        print("cached batch of 1024: HTTP round trip median %.1f ms, p90 %.1f ms (target < 20 ms; "
              "%.1f ms with the Python client's JSON decode); server CPU %.1f ms per request; "
              "per-candidate hit p50 %.3f p99 %.3f ms (target < 1 ms)"
              % (pct(lat, 0.5), pct(lat, 0.9), pct(full, 0.5), (s.cpu_s() - c0) / 21 * 1e3,
                 pct(hits, 0.5), pct(hits, 0.99)))
        ok &= pct(hits, 0.99) < 1.0

        # 6. RSS over a run
        r0, t_end, n = s.rss_kb(), time.time() + RSS_S, 0
        while time.time() < t_end:
            s.score(batch[:256])
            s.score([("add8_cout", fence(adder(200000 + n)))])
            n += 1
        r1 = s.rss_kb()
        print("rss over %.0f s (%d uncached + %d cached candidates): %d -> %d KiB (x%.2f)" %
              (RSS_S, n, 256 * n, r0, r1, r1 / max(r0, 1)))
        cache_dir = s.cache
        keep = tempfile.mkdtemp(prefix="rtlr-bench-keep-")
        shutil.copytree(cache_dir, os.path.join(keep, "cache"))
    finally:
        s.stop()

    # 4. restart keeps the cache
    s = Srv(cache=os.path.join(keep, "cache"))
    try:
        res = s.score(items[:50])
        k = sum(1 for r in res if r.get("cached"))
        print("restart: %d/50 answered from the persistent store" % k)
        ok &= k == 50
    finally:
        s.stop()
        shutil.rmtree(keep, ignore_errors=True)

    # 5. overload
    s = Srv(["--queue", "16", "--workers", "2"])
    try:
        codes, fails, ra = {}, 0, 0

        def one(i):
            return s.post([("add8_cout", fence(adder(300000 + i * 8 + j))) for j in range(8)],
                          timeout=120)
        with cf.ThreadPoolExecutor(16) as ex:
            futs = [ex.submit(one, i) for i in range(48)]
            for f in futs:
                try:
                    st, h, _ = f.result()
                    codes[st] = codes.get(st, 0) + 1
                    ra += 1 if st == 429 and h.get("Retry-After") else 0
                except Exception:  # noqa: BLE001 - a failed connection is what we count
                    fails += 1
        print("overload (queue 16, 48 requests x 8): codes %s, 429 with Retry-After %d, failed "
              "connections %d" % (codes, ra, fails))
        ok &= fails == 0 and codes.get(429, 0) > 0 and ra == codes.get(429, 0)
    finally:
        s.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
