"""build/rtlreward-load against a real server on loopback: it refuses other hosts, its counts
add up, the cache hits it reports are the server's own (/metrics), an overloaded server answers
429 and never leaves a connection hanging, and its CSV/JSON/PNG files are written."""
import json
import os
import random
import shutil
import subprocess
import tempfile
import time

import harness
from harness import ROOT


def loadgen():
    server = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")
    path = os.path.join(os.path.dirname(os.path.abspath(server)), "rtlreward-load")
    if not os.access(path, os.X_OK):
        raise AssertionError("%s missing: `make all` builds it" % path)
    return path


def run(args, timeout=120):
    p = subprocess.run([loadgen()] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def metrics(s):
    st, _, raw = s.request("GET", "/metrics")
    assert st == 200
    out = {}
    for line in raw.decode().splitlines():
        if line.startswith("#") or " " not in line:
            continue
        k, v = line.rsplit(" ", 1)
        out[k] = float(v)
    return out


def cache_hits(m):
    return sum(v for k, v in m.items() if k.startswith("rtlreward_cache_total{") and 'event="hit"' in k)


def test_loadgen_refuses_non_loopback(s):
    for args in (["--url", "http://192.0.2.1:%d" % s.port], ["--host", "example.com"],
                 ["--host", "0.0.0.0", "--port", str(s.port)], ["--url", "http://[2001:db8::1]:80"]):
        t0 = time.time()
        rc, out, err = run(args + ["--problems", os.path.join(ROOT, "problems"), "--requests", "1",
                                   "--seconds", "1"], timeout=30)
        assert rc == 2 and "loopback only" in err and "results" not in out, (args, rc, out, err)
        assert time.time() - t0 < 5, args
    # loopback spellings are accepted (and then find nothing listening on port 1)
    rc, out, err = run(["--url", "http://localhost:1", "--problems", os.path.join(ROOT, "problems"),
                        "--requests", "2", "--seconds", "5", "--req-timeout", "2"], timeout=30)
    assert rc == 0 and "2 sent = 0 answered + 2 failed (connect 2" in out, (rc, out, err)


def test_loadgen_counts_hits_and_files(s):
    tmp = tempfile.mkdtemp(prefix="rtlr-lt-")
    try:
        seed = random.randrange(1, 1 << 40)  # unique keys: the shared server's cache is warm
        js, png = os.path.join(tmp, "run.json"), os.path.join(tmp, "run.png")
        csv, lat = os.path.join(tmp, "run.csv"), os.path.join(tmp, "lat.csv")
        m0 = metrics(s)
        rc, out, err = run(["--url", "http://127.0.0.1:%d" % s.port, "--problems",
                            os.path.join(ROOT, "problems"), "--closed", "2", "--prompts", "2",
                            "--group", "4", "--dup-exact", "0.4", "--dup-ws", "0.2", "--syntax-err",
                            "0.1", "--wrong", "0.1", "--unique", "--seed", str(seed), "--requests",
                            "4", "--seconds", "90", "--server-pid", str(s.proc.pid), "--json", js,
                            "--csv", csv, "--lat-csv", lat, "--plot", png], timeout=300)
        m1 = metrics(s)
        assert rc == 0, (rc, out, err)
        r = json.load(open(js))
        assert r["issued"] == 4 and r["issued"] == r["answered"] + r["failed"], r
        assert r["answered"] == sum(r["status"].values()) and r["failed"] == sum(r["errors"].values())
        assert r["status"].get("200") == 4 and r["results"] == 4 * 8, r
        # the dups (exact, and comment/whitespace variants) are answered from the cache and the
        # server counts exactly those: one cache hit per cached result, and nothing else ran
        assert r["cached"] > 0, r
        dc = m1["rtlreward_candidates_total"] - m0["rtlreward_candidates_total"]
        dh = cache_hits(m1) - cache_hits(m0)
        assert dc == r["results"] and dh == r["cached"], (dc, dh, r)
        assert r["metrics"]["hits"] == dh and r["metrics"]["candidates"] == dc, r
        assert abs(r["hit_rate"] - dh / dc) < 1e-6
        assert "cache hit rate (responses)   %.4f" % r["hit_rate"] in out, out
        assert r["server_cpu_s"] > 0 and r["rss_kib"]["max"] > 0, r
        rows = open(csv).read().splitlines()
        assert rows[0].startswith("t_s,batches,candidates,cand_per_s,p50_ms") and len(rows) >= 2, rows
        assert sum(int(x.split(",")[2]) for x in rows[1:]) == r["results"], rows
        assert len(open(lat).read().splitlines()) == 1 + 4
        if shutil.which("gnuplot"):
            with open(png, "rb") as f:
                assert f.read(8) == b"\x89PNG\r\n\x1a\n"
            assert r["plot"] == png
        else:
            assert not os.path.exists(png) and "gnuplot" in err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_loadgen_overload_gets_429_not_hangs(s):
    srv = harness.Server.start(extra=["--queue", "8", "--workers", "1", "--ppa", "0"])
    tmp = tempfile.mkdtemp(prefix="rtlr-lt-")
    try:
        js = os.path.join(tmp, "o.json")
        rc, out, err = run(["--url", "http://127.0.0.1:%d" % srv.port, "--problems",
                            os.path.join(ROOT, "problems"), "--rate", "10", "--conns", "32",
                            "--prompts", "1", "--group", "4", "--unique", "--seconds", "3",
                            "--requests", "30", "--req-timeout", "60", "--json", js], timeout=180)
        assert rc == 0, (rc, out, err)
        r = json.load(open(js))
        assert r["issued"] == 30 and r["answered"] == 30 and r["failed"] == 0, r
        assert r["http_429"] > 0 and r["status"].get("200", 0) > 0, r
        assert set(r["status"]) <= {"200", "429"}, r
        assert r["metrics"]["rejected"] == r["http_429"], r
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_loadgen_duplicates_hit_exactly(s):
    """Every sample after a group's first repeats one before it (exactly, or with comments and
    whitespace added): the cache answers exactly those, and each fresh one is unique."""
    tmp = tempfile.mkdtemp(prefix="rtlr-lt-")
    try:
        for share in ("--dup-exact", "--dup-ws"):
            js = os.path.join(tmp, "d.json")
            rc, out, err = run(["--url", "http://127.0.0.1:%d" % s.port, "--problems",
                                os.path.join(ROOT, "problems"), "--closed", "1", "--prompts", "3",
                                "--group", "4", share, "1", "--unique", "--seed",
                                str(random.randrange(1, 1 << 40)), "--requests", "2",
                                "--seconds", "120", "--json", js], timeout=300)
            assert rc == 0, (rc, out, err)
            r = json.load(open(js))
            assert r["results"] == 2 * 3 * 4 and r["cached"] == 2 * 3 * 3, (share, r)
            assert r["metrics"]["hits"] == r["cached"], r
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
