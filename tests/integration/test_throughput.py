"""Cache and in-flight deduplication at the wire: what hits, what must miss, duplicates in one
batch and across concurrent requests computed once, and a restart keeping results."""
import os
import re
import shutil
import tempfile
import threading
import time

import harness
from harness import fence

ADDER = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
         "  assign {cout, sum} = a + b;\nendmodule")
# the same design: comments and insignificant whitespace differ
ADDER_NOISY = ("// my adder\nmodule   TopModule ( input [7:0] a,input [7:0] b,\n"
               "   output [7:0] sum, /* carry */ output cout ) ;\n\n\n"
               "\tassign {cout,sum}=a+b;   // done\nendmodule\n")
# a string literal differs: a different design for the cache
STR_A = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
         "  localparam [63:0] S = \"a  b\";\n  assign {cout, sum} = a + b;\nendmodule")
STR_B = STR_A.replace('"a  b"', '"a b"')


def _metric(s, name, labels=""):
    status, _, raw = s.request("GET", "/metrics")
    assert status == 200
    pat = re.escape(name + ("{%s}" % labels if labels else "")) + r" (\d+)"
    m = re.search(pat, raw.decode())
    assert m, (name, labels)
    return int(m.group(1))


def test_cache_hits_and_misses(s):
    seed = 90001
    r = s.score([("add8_cout", fence(ADDER))], seed=seed)[0]
    assert r["status"] == "OK" and not r.get("cached"), r
    assert r["function"]["passed"], r
    r2 = s.score([("add8_cout", fence(ADDER_NOISY))], seed=seed)[0]
    assert r2.get("cached") and r2["key"] == r["key"], (r["key"], r2)
    assert r2["reward"] == r["reward"]
    # must miss: another seed, another problem, a changed string literal, another mode
    assert not s.score([("add8_cout", fence(ADDER))], seed=seed + 1)[0].get("cached")
    a = s.score([("add8_cout", fence(STR_A))], seed=seed)[0]
    b = s.score([("add8_cout", fence(STR_B))], seed=seed)[0]
    assert a["key"] != b["key"] and not b.get("cached"), (a["key"], b)
    other = s.score([("add8_cout", fence(ADDER))], seed=seed, preset="binary")[0]
    assert other.get("cached"), "weights/preset must not enter the key"
    assert other["reward"] == 1.0


def test_mode_and_engine_enter_the_key(s):
    status, out = s.json("GET", "/v1/problems/tb_edge_detect")
    assert status == 200, out
    ref = harness.read(os.path.join(harness.ROOT, "problems", "tb_edge_detect", "reference.v"))
    cand = fence(re.sub(r"\bRefModule\b", "TopModule", ref))
    a = s.score([("tb_edge_detect", cand)], seed=90002)[0]
    b = s.score([("tb_edge_detect", cand)], seed=90002, mode="equivalence")[0]
    assert a["key"] != b["key"] and not b.get("cached"), (a, b)
    # auto resolves to icarus before the key is made: the same key, a hit
    c = s.score([("tb_edge_detect", cand)], seed=90002, engine="icarus")[0]
    assert c.get("cached") and c["key"] == a["key"], (a["key"], c)


def test_batch_duplicates_computed_once(s):
    seed = 90003
    variants = [fence(ADDER), fence(ADDER_NOISY), fence("// v%d\n" % 0 + ADDER)]
    items = [("add8_cout", variants[i % 3]) for i in range(12)]
    before = _metric(s, "rtlreward_cache_total", 'layer="disk",event="store"')
    res = s.score(items, seed=seed)
    assert len({r["key"] for r in res}) == 1
    assert sum(1 for r in res if not r.get("cached")) == 1, [r.get("cached") for r in res]
    assert all(r["reward"] == res[0]["reward"] for r in res)
    assert _metric(s, "rtlreward_cache_total", 'layer="disk",event="store"') == before + 1


def test_concurrent_requests_computed_once(s):
    seed = 90004
    out = []

    def one():
        out.append(s.score([("add8_cout", fence(ADDER))], seed=seed)[0])
    ts = [threading.Thread(target=one) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(out) == 4
    assert sum(1 for r in out if not r.get("cached")) == 1, [r.get("cached") for r in out]


def test_no_cache_recomputes(s):
    seed = 90005
    s.score([("add8_cout", fence(ADDER))], seed=seed)
    r = s.score([("add8_cout", fence(ADDER))], seed=seed, no_cache=True)[0]
    assert not r.get("cached")


def test_metrics_cache_layers(s):
    s.score([("add8_cout", fence(ADDER))], seed=90006)
    h0 = _metric(s, "rtlreward_cache_total", 'layer="mem",event="hit"')
    s.score([("add8_cout", fence(ADDER))], seed=90006)
    assert _metric(s, "rtlreward_cache_total", 'layer="mem",event="hit"') == h0 + 1
    _metric(s, "rtlreward_infra_errors_total")
    _metric(s, "rtlreward_queue_depth")
    _metric(s, "rtlreward_workers_busy")
    _metric(s, "rtlreward_cache_mem_entries")


def test_restart_keeps_cache(s):
    tmp = tempfile.mkdtemp(prefix="rtlr-it-cache-")
    try:
        cache = os.path.join(tmp, "cache")
        a = harness.Server.start(["--cache-dir", cache])
        try:
            r = a.score([("add8_cout", fence(ADDER))], seed=90007)[0]
            assert not r.get("cached")
        finally:
            a.stop()
        b = harness.Server.start(["--cache-dir", cache])
        try:
            r2 = b.score([("add8_cout", fence(ADDER_NOISY))], seed=90007)[0]
            assert r2.get("cached") and r2["key"] == r["key"], r2
            assert _metric(b, "rtlreward_cache_total", 'layer="disk",event="hit"') >= 1
        finally:
            b.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_scheduler_round_robin_between_requests(_s):
    """A one-candidate request sent while a 40-candidate batch is queued is answered before the
    batch: batches take turns (FIFO would make it wait for all 40). Groups of at most 4 here
    (--group-max), so that most of the batch stays queued while the first groups run."""
    s = harness.Server.start(["--group-max", "4"])
    big = [("add8_cout", fence(ADDER + "\nmodule Pad_%d; endmodule\n" % i)) for i in range(40)]
    done = {}

    def run_big():
        s.score(big, seed=90008)
        done["big"] = time.time()
    try:
        t = threading.Thread(target=run_big)
        t.start()
        assert harness.wait_for(lambda: _metric(s, "rtlreward_queue_depth") > 10, timeout=30)
        s.score([("add8_cout", fence(ADDER + "\nmodule Small; endmodule\n"))], seed=90008)
        done["small"] = time.time()
        t.join()
        assert done["small"] < done["big"], done
    finally:
        s.stop()


def test_deadline_answers_late_candidates_infra_error(s):
    """With --deadline 1 and one worker, the candidates of an 80-candidate batch still queued
    after a second are answered INFRA_ERROR (masked by the trainer), not run, not scored 0."""
    srv = harness.Server.start(["--deadline", "1", "--workers", "1"])
    try:
        items = [("add8_cout", fence(ADDER + "\nmodule Late_%d; endmodule\n" % i))
                 for i in range(80)]
        res = srv.score(items, seed=90009)
        late = [r for r in res if r["status"] == "INFRA_ERROR"]
        ok = [r for r in res if r["status"] == "OK"]
        assert ok and ok[0]["function"]["passed"], res[0]
        assert late, "no candidate hit the deadline"
        assert all("deadline" in r["error"] and not r.get("reward") for r in late), late[0]
        # the late ones were not cached: a second request computes them
        again = srv.score([items[res.index(late[-1])]], seed=90009)[0]
        assert again["status"] == "OK" and not again.get("cached"), again
    finally:
        srv.stop()


def test_request_deadline_field(s):
    """deadline_s in the request: on a one-worker server without --deadline, an 80-candidate
    batch with deadline_s 1 gets its still-queued candidates INFRA_ERROR "deadline exceeded";
    the same batch without the field all runs; a negative or huge deadline_s is a 400 naming
    the field."""
    srv = harness.Server.start(["--workers", "1"])
    try:
        items = [("add8_cout", fence(ADDER + "\nmodule Rq_%d; endmodule\n" % i))
                 for i in range(80)]
        res = srv.score(items, seed=90011, deadline_s=1)
        late = [r for r in res if r["status"] == "INFRA_ERROR"]
        assert late and all("deadline" in r["error"] for r in late), res[-1]
        assert res[0]["status"] == "OK" and res[0]["function"]["passed"], res[0]
        res2 = srv.score(items[:4], seed=90012)
        assert all(r["status"] == "OK" for r in res2), res2
        for bad in (-1, 1e9):
            st, out = srv.json("POST", "/v1/score", {"items": [{"problem": "add8_cout",
                               "completion": fence(ADDER)}], "deadline_s": bad})
            assert st == 400 and out["field"] == "deadline_s", (st, out)
    finally:
        srv.stop()


def test_trace_jobs_replays_the_same_commands(s):
    """RTLR_TRACE_JOBS (the tool-floor benchmark's recorder): the candidate's job directory is
    kept with the command lines the sandbox ran in it, and replaying them by hand gives the
    same simulation verdict line as the server's run."""
    import subprocess
    import tempfile
    trace = tempfile.mkdtemp(prefix="rtlr-trace-")
    srv = harness.Server.start(["--workers", "1"], env=dict(os.environ, RTLR_TRACE_JOBS=trace))
    try:
        r = srv.score([("add8_cout", fence(ADDER + "\nmodule Traced; endmodule\n"))],
                      seed=90013)[0]
        assert r["status"] == "OK" and r["function"]["passed"], r
        jobs = [j for j in os.listdir(trace) if j.endswith(".sh")
                and "cand.v" in open(os.path.join(trace, j)).read()
                and "iverilog" in open(os.path.join(trace, j)).read()]
        assert len(jobs) == 1, os.listdir(trace)
        d = os.path.join(trace, jobs[0][:-3])
        assert os.path.isfile(os.path.join(d, "cand.v")), os.listdir(d)
        lines = open(os.path.join(trace, jobs[0])).read().splitlines()
        assert any("'/usr/bin/vvp'" in ln for ln in lines), lines
        out = subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", "sh", os.path.join(trace, jobs[0])],
                             cwd=d, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        m = re.search(r" done (\d+) (\d+)\s*$", out.stdout, re.M)
        assert m and int(m.group(1)) == r["function"]["samples"] and m.group(2) == "0", \
            out.stdout[-2000:]
    finally:
        srv.stop()
        shutil.rmtree(trace, ignore_errors=True)


def test_dedup_wait_does_not_hold_a_worker(s):
    """With --workers 2: request 1 computes a slow candidate, request 2 sends the same one (it
    waits for request 1's result); a third request's quick candidate must not wait for the
    slow one: the waiting duplicate lends its slot."""
    srv = harness.Server.start(["--workers", "2"])
    try:
        ref = ("module RefModule(input clk, input reset, input [7:0] d, output reg [15:0] q);\n"
               "  always @(posedge clk) if (reset) q <= 0; else q <= q + d;\nendmodule\n")
        st, out = srv.json("POST", "/v1/problems", {"id": "slow_accum", "reference": ref,
                                                    "top": "TopModule", "ref_top": "RefModule",
                                                    "cycles": 300000})
        assert st in (200, 201), (st, out)
        slow = fence(ref.replace("RefModule", "TopModule"))
        done = {}

        def run(name, items):
            srv.score(items, engine="icarus", seed=90014)
            done[name] = time.time()
        t1 = threading.Thread(target=run, args=("slow", [("slow_accum", slow)]))
        t1.start()
        assert harness.wait_for(lambda: _metric(srv, "rtlreward_workers_busy") >= 1, timeout=10)
        t2 = threading.Thread(target=run, args=("dup", [("slow_accum", slow)]))
        t2.start()
        assert harness.wait_for(lambda: _metric(srv, "rtlreward_workers_busy") >= 2, timeout=10)
        run("quick", [("add8_cout", fence(ADDER + "\nmodule Quick; endmodule\n"))])
        t1.join()
        t2.join()
        assert done["quick"] < done["slow"] and done["quick"] < done["dup"], done
        assert _metric(srv, "rtlreward_cache_dedup_total") >= 1
    finally:
        srv.stop()


def test_ndjson_streaming(s):
    """Accept: application/x-ndjson: one Result per line as each finishes, tagged with its index;
    a cached one (index 2) arrives before the uncached ones of the same request."""
    import http.client
    import json
    seed = 90010
    s.score([("add8_cout", fence(ADDER))], seed=seed)
    items = [("add8_cout", fence(ADDER + "\nmodule S_%d; endmodule\n" % i)) for i in range(2)]
    items += [("add8_cout", fence(ADDER_NOISY))]
    items += [("add8_cout", fence(ADDER + "\nmodule S_%d; endmodule\n" % i)) for i in range(3, 6)]
    items += [("add8_cout", "no code here")]
    body = json.dumps({"items": [{"problem": p, "completion": c} for p, c in items], "seed": seed})
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=120)
    try:
        c.request("POST", "/v1/score", body, {"Content-Type": "application/json",
                                              "Accept": "application/x-ndjson"})
        r = c.getresponse()
        assert r.status == 200 and r.getheader("Content-Type") == "application/x-ndjson"
        lines = [json.loads(x) for x in r.read().decode().splitlines() if x.strip()]
    finally:
        c.close()
    idx = [x.get("index", 0) for x in lines]
    assert sorted(idx) == list(range(len(items))), idx
    by = {x.get("index", 0): x for x in lines}
    assert by[2].get("cached") and by[2]["function"]["passed"]
    assert not by[6]["format"]["ok"]
    assert all(by[i]["function"]["passed"] for i in range(6))
    # finished order, not request order: the cached one is not behind the uncached 0 and 1
    assert idx.index(2) < max(idx.index(0), idx.index(1)) or idx.index(2) < idx.index(5), idx


def test_ndjson_overload_still_429(s):
    srv = harness.Server.start(["--queue", "2"])
    try:
        items = [{"problem": "add8_cout", "completion": fence(ADDER)}] * 3
        st, h, _ = srv.request("POST", "/v1/score", {"items": items},
                               headers={"Accept": "application/x-ndjson"})
        assert st == 429 and h.get("Retry-After"), (st, h)
    finally:
        srv.stop()
