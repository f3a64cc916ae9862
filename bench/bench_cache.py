#!/usr/bin/env python3
"""The cache's layers, measured in one run (ratios mean more than the numbers on a shared machine):

  1. bench/cache_micro.c against build/librtlr.a: cache_put into SQLite and cache_get hits
     from SQLite, from the LRU and from Redis, 2 threads at once, 1.5 KB entries (p50/p99/max);
  2. the server: per-candidate cache hit time (the Result's times.total_ms: extract, normalize,
     key, lookup, decode) for a batch of 1,024 hits answered by SQLite only (--cache-mem 0), by
     the LRU, and by Redis only (no local store), each against the same 128 stored results.

A real redis-server on a free loopback port is started here (skipped when not installed).
Environment: RTLR_SERVER, RTLR_BUILD (as `make bench` sets them).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVER = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")
BUILD = os.environ.get("RTLR_BUILD") or os.path.join(ROOT, "build")
N = 128
ADDER = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
         "  assign {cout, sum} = a + b;\nendmodule\nmodule Spare_%d; endmodule\n")


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def start_redis(tmp):
    if not shutil.which("redis-server"):
        return None, None
    port = free_port()
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save",
                          "", "--appendonly", "no", "--dir", tmp],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as so:
                so.sendall(b"PING\r\n")
                if so.recv(16).startswith(b"+PONG"):
                    return p, port
        except OSError:
            pass
        time.sleep(0.05)
    p.kill()
    raise RuntimeError("redis-server did not start")


def micro(tmp, rport):
    exe = os.path.join(tmp, "cache_micro")
    flags = subprocess.check_output(["pkg-config", "--cflags", "--libs", "libmicrohttpd",
                                     "libprotobuf-c", "json-c", "libseccomp", "libcrypto", "zlib",
                                     "sqlite3", "hiredis"], text=True).split()
    subprocess.check_call(["cc", "-std=gnu11", "-O2", "-D_GNU_SOURCE", "-I" + os.path.join(ROOT, "reward"),
                           "-o", exe, os.path.join(HERE, "cache_micro.c"),
                           os.path.join(BUILD, "librtlr.a"), "-pthread", "-lm"] + flags)
    args = [exe, os.path.join(tmp, "micro")] + ([str(rport)] if rport else [])
    out = subprocess.check_output(args, text=True, stderr=subprocess.DEVNULL)
    for line in out.splitlines():
        print("micro: " + line)


class Srv:
    def __init__(self, tmp, name, extra):
        log = open(os.path.join(tmp, name + ".log"), "w")
        self.p = subprocess.Popen([SERVER, "--port", "0", "--ppa", "0", "--job-dir",
                                   os.path.join(tmp, "jobs-" + name)] + extra,
                                  stdout=subprocess.PIPE, stderr=log, text=True)
        self.port = int(self.p.stdout.readline().rsplit(":", 1)[1])

    def score(self, items):
        body = json.dumps({"items": [{"problem": "add8_cout", "completion": c} for c in items],
                           "seed": 777}).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/v1/score" % self.port, data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=600) as r:
            return json.loads(r.read())["results"]

    def metric(self, name):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.port) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=20)


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def hits(srv, batch, rounds=5):
    out = []
    for _ in range(rounds):
        res = srv.score(batch)
        assert all(r.get("cached") for r in res)
        out += [r["times"]["total_ms"] for r in res]
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="rtlr-bench-cache-")
    red, rport = start_redis(tmp)
    try:
        micro(tmp, rport)
        items = ["```verilog\n%s```" % (ADDER % i) for i in range(N)]
        batch = (items * 8)[:1024]
        cache = os.path.join(tmp, "cache")
        redis = ["--redis", "127.0.0.1:%d" % rport, "--redis-timeout", "1000"] if rport else []
        s = Srv(tmp, "sqlite", ["--cache-dir", cache, "--cache-mem", "0"] + redis)
        try:
            res = s.score(items)
            assert all(r["status"] == "OK" and r["function"]["passed"] for r in res)
            size = s.metric("rtlreward_cache_disk_bytes") / s.metric("rtlreward_cache_disk_entries")
            h_disk = hits(s, batch)
        finally:
            s.stop()
        s = Srv(tmp, "mem", ["--cache-dir", cache])
        try:
            s.score(batch)                      # promotes from SQLite into the LRU
            h_mem = hits(s, batch)
        finally:
            s.stop()
        line = ("server, per-candidate hit over %d (mean entry %.0f bytes): SQLite p50 %.3f p99 %.3f "
                "ms; LRU p50 %.3f p99 %.3f ms" % (len(h_disk), size, pct(h_disk, 0.5),
                                                  pct(h_disk, 0.99), pct(h_mem, 0.5), pct(h_mem, 0.99)))
        if rport:
            s = Srv(tmp, "redis", ["--cache-dir", "", "--cache-mem", "0"] + redis)
            try:
                h_red = hits(s, batch)
            finally:
                s.stop()
            line += "; Redis p50 %.3f p99 %.3f ms" % (pct(h_red, 0.5), pct(h_red, 0.99))
        print(line + " (target p99 < 1 ms)")
        ok = pct(h_disk, 0.99) < 1.0 and pct(h_mem, 0.99) < 1.0
        return 0 if ok else 1
    finally:
        if red:
            red.kill()
            red.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
