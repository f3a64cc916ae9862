#!/usr/bin/env python3
"""Group scoring against the peer baseline (../shared/bench/peer_baseline.py), same candidates,
same machine, interleaved in rounds so both sides see the same load (issue 13).

  1. unique work, equivalence mode, preset pass_rate: per problem 16 unique candidates (the
     reference, rewrites that differ after normalization, one-edit mutants as the peer makes
     them), all problems of a round in one request; the peer scores the same candidates with its
     VerilogEval testbench flow (verilator --lint-only, iverilog, vvp per candidate, a process
     pool over the cores). Target: >= 5x the peer.
  2. the same in testbench mode (reported, no target).
  3. the GRPO-shaped step of `peer_baseline.py grpo` (P problems x 16, its duplicates, syntax
     errors and mutants), scored by the server (fresh cache) and by the peer. Target >= 5.5x.
     The server's CPU use (cores, its process and the tools it waited for) is reported.
Problems are warm on the server (prepared once before timing: a training run prepares each
problem once); the server starts with a fresh cache for every measured part.

Environment: RTLR_SERVER, SHARED, RTLR_GROUP_P (problems in part 1/2, default 24),
RTLR_GROUP_ROUNDS (default 3), RTLR_GRPO_P (default 128), RTLR_GROUP_WORKERS (server --workers
and peer pool, default the core count). Exit 1 when a target is missed.
"""
import http.client
import json
import os
import random
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
PEER = os.path.join(SHARED, "bench")
P1 = int(os.environ.get("RTLR_GROUP_P", "24"))
ROUNDS = int(os.environ.get("RTLR_GROUP_ROUNDS", "3"))
P_GRPO = int(os.environ.get("RTLR_GRPO_P", "128"))
WORKERS = int(os.environ.get("RTLR_GROUP_WORKERS", str(os.cpu_count() or 2)))
G = 16


class Srv:
    def __init__(self, extra=()):
        self.tmp = tempfile.mkdtemp(prefix="rtlr-bgroup-")
        args = [SERVER, "--port", "0", "--cache-dir", os.path.join(self.tmp, "cache"),
                "--job-dir", os.path.join(self.tmp, "jobs"), "--problems", VEVAL,
                "--workers", str(WORKERS), "--queue", "100000"] + list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True,
                                     stderr=open(os.path.join(self.tmp, "log"), "w"))
        m = re.search(r":(\d+)\s*$", self.proc.stdout.readline())
        if not m:
            raise RuntimeError("server did not start: " + open(os.path.join(self.tmp, "log")).read())
        self.port = int(m.group(1))

    def score(self, items, **opts):
        body = dict(items=[{"problem": p, "completion": c} for p, c in items], **opts)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)
        try:
            c.request("POST", "/v1/score", json.dumps(body), {"Content-Type": "application/json"})
            r = c.getresponse()
            raw = r.read()
            assert r.status == 200, (r.status, raw[:300])
            return json.loads(raw)["results"]
        finally:
            c.close()

    def metrics(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request("GET", "/metrics")
            return c.getresponse().read().decode()
        finally:
            c.close()

    def cpu_s(self):
        f = open("/proc/%d/stat" % self.proc.pid).read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def load_peer():
    sys.path.insert(0, PEER)
    import peer_baseline  # noqa: E402  (third-party script, read from ../shared, not copied)
    return peer_baseline


def unique_set(peer, probs, salt):
    """16 unique candidates per problem: the reference, rewrites (an unused module named per
    salt, so each is new to the cache), and the peer's one-edit mutants."""
    rnd = random.Random(salt)
    out = []
    for p in probs:
        ref = open(os.path.join(VEVAL, p + "_ref.sv")).read().replace("RefModule", "TopModule")
        seen = set()
        for g in range(G):
            if g < 6:
                code = ref + "\nmodule Pad_%s_%d; endmodule\n" % (salt, g)
            else:
                pat, rep = peer.MUTS[rnd.randrange(len(peer.MUTS))]
                body = ref.split(");", 1)
                m = re.sub(pat, rep, body[1], count=1) if len(body) == 2 else body[0]
                code = (body[0] + ");" + m if len(body) == 2 else ref) + \
                    "\nmodule Mut_%s_%d; endmodule\n" % (salt, g)
            if code in seen:
                continue
            seen.add(code)
            out.append((p, code))
    return out


def warm(s, probs, **opts):
    s.score([(p, "module TopModule(); endmodule // warm %d" % i) for i, p in enumerate(probs)], **opts)


def unique_rounds(peer, probs, mode, preset="pass_rate", extra=()):
    s = Srv(extra)
    t_srv = t_peer = cpu = 0.0
    n = 0
    try:
        warm(s, probs, mode=mode, preset=preset)
        if preset == "hierarchical":  # the goldens' PPA, computed once per problem
            s.score([(p, open(os.path.join(VEVAL, p + "_ref.sv")).read().replace(
                "RefModule", "TopModule") + "\nmodule W; endmodule\n") for p in probs],
                mode=mode, preset=preset)
        for r in range(ROUNDS):
            items = unique_set(peer, probs, "%s%s%d" % (mode[0], preset[0], r))
            c0, t0 = s.cpu_s(), time.time()
            res = s.score(items, mode=mode, preset=preset)
            t_srv += time.time() - t0
            cpu += s.cpu_s() - c0
            bad = [x for x in res if x["status"] != "OK"]
            assert not bad, bad[0]
            _, dt = peer.run(VEVAL, items, WORKERS)
            t_peer += dt
            n += len(items)
        m = s.metrics()
    finally:
        s.stop()
    return n, t_srv, t_peer, cpu, m


def grpo(peer):
    items = [(p, c) for p, c, _ in peer.make(VEVAL, P_GRPO, G, 0.4)]
    probs = sorted({p for p, _ in items})
    s = Srv()
    try:
        warm(s, probs, preset="pass_rate")
        c0, t0 = s.cpu_s(), time.time()
        res = s.score(items, preset="pass_rate")
        t_srv = time.time() - t0
        cpu = s.cpu_s() - c0
        infra = sum(1 for x in res if x["status"] != "OK")
    finally:
        s.stop()
    _, t_peer = peer.run(VEVAL, items, WORKERS)
    return len(items), t_srv, t_peer, cpu, infra


def groups_line(m):
    v = re.findall(r'rtlreward_function_groups_total\{engine="(\w+)",size="([^"]+)"\} (\d+)', m)
    return " ".join("%s:%s=%s" % (e, sz, k) for e, sz, k in v if k != "0")


def main():
    if not os.path.isdir(VEVAL) or not os.path.exists(os.path.join(PEER, "peer_baseline.py")):
        print("skip: %s or the peer baseline is absent" % VEVAL)
        return 0
    peer = load_peer()
    probs = peer.problems(VEVAL, P1)
    ok = True
    print("load at start: %s" % open("/proc/loadavg").read().strip())
    for mode, target in (("equivalence", 5.0), ("testbench", None)) if probs else ():
        n, ts, tp, cpu, m = unique_rounds(peer, probs, mode)
        ratio = tp / ts
        print("unique, %s, pass_rate: %d candidates (%d problems x <=16, %d rounds): server "
              "%.1f cand/s (CPU %.2f cores), peer %.1f cand/s, ratio %.2fx%s" %
              (mode, n, len(probs), ROUNDS, n / ts, cpu / ts, n / tp, ratio,
               " (target >= %.1fx)" % target if target else ""))
        print("  groups: %s" % groups_line(m))
        if target and ratio < target:
            ok = False
    if os.environ.get("RTLR_GROUP_PPA", "1") != "0" and probs:
        # issue 14: the hierarchical preset (PPA on every full pass) against the peer and
        # against the server's own --ppa 0 throughput on the same candidates
        n, ts, tp, cpu, m = unique_rounds(peer, probs, "equivalence", "hierarchical")
        n0, ts0, tp0, _, _ = unique_rounds(peer, probs, "equivalence", "pass_rate",
                                           ("--ppa", "0"))
        print("unique, equivalence, hierarchical (PPA on full passes): server %.1f cand/s "
              "(CPU %.2f cores), peer %.1f cand/s, ratio %.2fx (target >= 2x); the server's own "
              "--ppa 0 run %.1f cand/s: %.0f%% of it (target >= 60%%)" %
              (n / ts, cpu / ts, n / tp, tp / ts, n0 / ts0, 100.0 * (n / ts) / (n0 / ts0)))
    if P_GRPO <= 0:
        return 0 if ok else 1
    n, ts, tp, cpu, infra = grpo(peer)
    ratio = tp / ts
    print("grpo step (peer_baseline.py grpo %d %d): server %.1f cand/s (CPU %.2f cores, %d "
          "INFRA_ERROR), peer %.1f cand/s, ratio %.2fx (target >= 5.5x)" %
          (P_GRPO, G, n / ts, cpu / ts, infra, n / tp, ratio))
    if ratio < 5.5:
        ok = False
    print("load at end: %s" % open("/proc/loadavg").read().strip())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
