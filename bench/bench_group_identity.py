#!/usr/bin/env python3
"""Group-vs-single verdict identity on every VerilogEval problem (issue 13): the reference and
the mutants the conformance tests generate (tests/integration/test_mutants.py OPS), scored
once alone (one request per candidate, sent one after another to a server of its own) and once
as groups (one request per problem: the scheduler groups its candidates), under each engine.
A candidate's pass_rate, samples, mismatches, first_mismatch, syntax verdict and min-score reason
must be the same. Prints the differences and their count; exit 1 when there is one.

Environment: RTLR_SERVER, SHARED, RTLR_IDENTITY_ENGINES (default "icarus,verilator"),
RTLR_IDENTITY_P (problems, default all).
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
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import test_mutants  # noqa: E402  (the conformance tests' mutation operators)

SERVER = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")
SHARED = os.environ.get("SHARED") or os.path.join(ROOT, "..", "shared")
VEVAL = os.path.join(SHARED, "data", "verilog-eval", "dataset_spec-to-rtl")
ENGINES = [e for e in os.environ.get("RTLR_IDENTITY_ENGINES", "icarus,verilator").split(",") if e]
NP = int(os.environ.get("RTLR_IDENTITY_P", "0"))


def server_help():
    try:
        return subprocess.run([SERVER, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


class Srv:
    def __init__(self, extra=()):
        self.tmp = tempfile.mkdtemp(prefix="rtlr-ident-")
        args = [SERVER, "--port", "0", "--cache-dir", os.path.join(self.tmp, "cache"),
                "--job-dir", os.path.join(self.tmp, "jobs"), "--problems", VEVAL,
                "--queue", "100000", "--ppa", "0"] + list(extra)
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

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def candidates():
    ids = sorted(f[:-7] for f in os.listdir(VEVAL) if f.endswith("_ref.sv"))
    if NP:
        ids = ids[:NP]
    out = {}
    for pid in ids:
        ref = re.sub(r"\bRefModule\b", "TopModule", open(os.path.join(VEVAL, pid + "_ref.sv")).read())
        cs = [ref]
        for k in range(len(test_mutants.OPS)):
            m, n = test_mutants._mutate(ref, k)
            if n and m not in cs:
                cs.append(m)
        out[pid] = cs
    return out


def verdict(r):
    f = r.get("function") or {}
    fm = f.get("first_mismatch") or {}
    return (r.get("status"), (r.get("syntax") or {}).get("ok"), f.get("checked"), f.get("passed"),
            f.get("pass_rate"), f.get("samples"), f.get("mismatches"), fm.get("time"),
            fm.get("signal"), fm.get("expected"), fm.get("got"), f.get("reason"),
            f.get("engine"))


def main():
    if not os.path.isdir(VEVAL):
        print("skip: %s absent" % VEVAL)
        return 0
    cands = candidates()
    total = sum(len(v) for v in cands.values())
    solo_flags = ["--coalesce-ms", "0"] if "--coalesce-ms" in server_help() else []
    diffs = 0
    print("load at start: %s" % open("/proc/loadavg").read().strip())
    for eng in ENGINES:
        single, group = Srv(solo_flags), Srv()
        try:
            t0 = time.time()
            solo = {}
            with cf.ThreadPoolExecutor(1) as ex:  # one after another: never grouped
                for pid, cs in cands.items():
                    for i, c in enumerate(cs):
                        solo[(pid, i)] = ex.submit(single.score, [(pid, c)], engine=eng,
                                                   mode="equivalence", preset="pass_rate")
                solo = {k: v.result()[0] for k, v in solo.items()}
            t_solo = time.time() - t0
            t0 = time.time()
            grp = {}
            with cf.ThreadPoolExecutor(4) as ex:
                futs = {pid: ex.submit(group.score, [(pid, c) for c in cs], engine=eng,
                                       mode="equivalence", preset="pass_rate")
                        for pid, cs in cands.items()}
                for pid, f in futs.items():
                    for i, r in enumerate(f.result()):
                        grp[(pid, i)] = r
            t_grp = time.time() - t0
        finally:
            single.stop()
            group.stop()
        d = [(k, verdict(solo[k]), verdict(grp[k])) for k in solo if verdict(solo[k]) != verdict(grp[k])]
        sizes = [grp[k]["function"].get("group_size", 0) for k in grp]
        for k, a, b in d[:20]:
            print("  DIFF %s %s #%d\n    alone: %s\n    group: %s" % (eng, k[0], k[1], a, b))
        print("identity, %s: %d problems, %d candidates (references + mutants): %d differences; "
              "alone %.0f s, grouped %.0f s; largest group %d" %
              (eng, len(cands), total, len(d), t_solo, t_grp, max(sizes or [0])))
        diffs += len(d)
    print("load at end: %s" % open("/proc/loadavg").read().strip())
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
