"""The cache's stores at the wire: the SQLite store across a restart (byte-identical results) and
across a kill -9 in the middle of a batch, the Redis layer shared by two servers (a real
redis-server on a free loopback port, started here), Redis going away and coming back, and what
must miss (another problem, an edited problem, a comment marker inside a string literal)."""
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

import harness
from harness import fence

ADDER = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
         "  assign {cout, sum} = a + b;\nendmodule")
NOISY = ("// variant\nmodule TopModule ( input [7:0] a , input [7:0] b,\n  output [7:0] sum,"
         " /* c */ output cout );\n\tassign {cout,sum} = a+b ;\nendmodule\n")
FAST = ["--ppa", "0"]   # the PPA tier adds CPU and nothing these tests look at


def adder(i):
    """A distinct passing design per i (a spare module changes the normalized text)."""
    return fence(ADDER + "\nmodule Spare_%d; endmodule\n" % i)


def metric(s, name, labels=""):
    status, _, raw = s.request("GET", "/metrics")
    assert status == 200
    pat = re.escape(name + ("{%s}" % labels if labels else "")) + r" (\d+)"
    m = re.search(pat, raw.decode())
    assert m, (name, labels)
    return int(m.group(1))


def layer(s, lay, event):
    return metric(s, "rtlreward_cache_total", 'layer="%s",event="%s"' % (lay, event))


def tools_runs(s):
    """Candidates that ran the syntax stage on this server (cached ones do not)."""
    return metric(s, "rtlreward_stage_seconds_count", 'stage="syntax"')


def evidence(r):
    """A result without what differs between a computed and a cached answer of the same key."""
    r = dict(r)
    r.pop("cached", None)
    r.pop("reused", None)           # which tiers came from the cache
    r.pop("index", None)            # the position in its request
    t = dict(r.pop("times", {}))
    t.pop("total_ms", None)
    t.pop("reused_ms", None)
    r["times"] = t
    f = dict(r.get("function") or {})
    f.pop("group_size", None)       # how many were checked with it: the verdict is the same
    r["function"] = f
    return r


def test_restart_keeps_results_byte_identical(s):
    tmp = tempfile.mkdtemp(prefix="rtlr-it-store-")
    cache = os.path.join(tmp, "cache")
    items = [("add8_cout", adder(i)) for i in range(6)]
    try:
        a = harness.Server.start(FAST + ["--cache-dir", cache])
        try:
            first = a.score(items, seed=91001)
            assert all(r["status"] == "OK" and not r.get("cached") for r in first), first[0]
            assert all(r["function"]["passed"] for r in first)
            again = a.score(items, seed=91001)
            assert all(r.get("cached") for r in again)
            assert layer(a, "disk", "store") == 6
        finally:
            a.stop()
        assert os.path.isfile(os.path.join(cache, "results.sqlite3"))
        assert not os.path.exists(os.path.join(cache, "results"))
        b = harness.Server.start(FAST + ["--cache-dir", cache])
        try:
            res = b.score(items, seed=91001)
            assert all(r.get("cached") for r in res), [r.get("cached") for r in res]
            assert layer(b, "disk", "hit") == 6 and layer(b, "mem", "hit") == 0
            assert tools_runs(b) == 0
            assert metric(b, "rtlreward_cache_disk_entries") == 6
            for x, y, z in zip(first, again, res):
                assert evidence(z) == evidence(x), (x, z)
                assert z["times"]["syntax_ms"] == x["times"]["syntax_ms"]
                del y["times"]["total_ms"], z["times"]["total_ms"]
                assert y == z   # a mem hit before the restart, a disk hit after: the same bytes
        finally:
            b.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_kill9_during_batch_store_intact(s):
    tmp = tempfile.mkdtemp(prefix="rtlr-it-store-")
    cache = os.path.join(tmp, "cache")
    items = [("add8_cout", adder(100 + i)) for i in range(60)]
    try:
        a = harness.Server.start(FAST + ["--cache-dir", cache, "--workers", "2"])
        outcome = {}

        def batch():
            try:
                a.score(items, seed=91002)
                outcome["answered"] = True
            except Exception as e:  # noqa: BLE001 - the connection dies with the server
                outcome["error"] = repr(e)
        t = threading.Thread(target=batch)
        t.start()
        try:
            assert harness.wait_for(lambda: layer(a, "disk", "store") >= 5, timeout=120)
            a.proc.kill()                      # SIGKILL while the workers store results
            a.proc.wait(timeout=20)
            t.join(timeout=60)
            assert "error" in outcome, "the batch finished before the kill: %r" % outcome
        finally:
            a.stop()
        db = sqlite3.connect(os.path.join(cache, "results.sqlite3"))
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            bad = db.execute("SELECT COUNT(*) FROM results WHERE length(data) != size").fetchone()[0]
        finally:
            db.close()
        assert 5 <= rows < len(items) and bad == 0, (rows, bad)
        b = harness.Server.start(FAST + ["--cache-dir", cache, "--workers", "2"])
        try:
            assert metric(b, "rtlreward_cache_disk_entries") == rows
            res = b.score(items, seed=91002)
            assert all(r["status"] == "OK" and r["function"]["passed"] for r in res)
            hit = [i for i, r in enumerate(res) if r.get("cached")]
            # every entry the kill left is whole: each one is a hit, the rest are computed
            assert len(hit) == rows, (len(hit), rows)
            print("  kill -9 after %d of %d stored: integrity ok, %d hits after restart" %
                  (rows, len(items), len(hit)))
            fresh = b.score([items[i] for i in hit[:3]], seed=91002, no_cache=True)
            for i, f in zip(hit, fresh):
                x, y = evidence(res[i]), evidence(f)
                x.pop("times"), y.pop("times")
                assert x == y, (x, y)
        finally:
            b.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- Redis ------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def resp(port, *args):
    """One Redis command over a plain socket; the reply (int, str, bytes or None)."""
    out = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in (x if isinstance(x, bytes) else str(x).encode()
                                                  for x in args))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as so:
        so.sendall(out)
        f = so.makefile("rb")
        line = f.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b":":
            return int(rest)
        if kind in (b"+", b"-"):
            return rest.decode()
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else f.read(n + 2)[:-2]
        raise AssertionError("unexpected reply %r" % line)


class Redis:
    def __init__(self, tmp, port=None):
        if not shutil.which("redis-server"):
            raise harness.Skip("redis-server not installed (make deps)")
        self.port = port or free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

        def up():
            try:
                return resp(self.port, "PING") == "PONG"
            except OSError:
                return False
        if not harness.wait_for(up, timeout=10):
            self.stop()
            raise AssertionError("redis-server did not answer on port %d" % self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def test_redis_shared_by_two_servers(s):
    tmp = tempfile.mkdtemp(prefix="rtlr-it-redis-")
    red = Redis(tmp)
    # a generous command timeout: the machine is shared and redis-server may wait for a core
    flags = FAST + ["--redis", "127.0.0.1:%d" % red.port, "--redis-timeout", "1000"]
    a = b = None
    items = [("add8_cout", adder(200 + i)) for i in range(4)]
    try:
        a = harness.Server.start(flags)
        b = harness.Server.start(flags)      # its own, empty local cache directory
        assert metric(a, "rtlreward_cache_redis_enabled") == 1
        ra = a.score(items, seed=91003)
        assert not any(r.get("cached") for r in ra)
        assert layer(a, "redis", "store") == 4 and layer(a, "redis", "error") == 0
        for r in ra:
            assert resp(red.port, "EXISTS", "rtlr:v1:" + r["key"]) == 1
            assert 0 < resp(red.port, "TTL", "rtlr:v1:" + r["key"]) <= 7 * 24 * 3600
        rb = b.score(items, seed=91003)
        assert all(r.get("cached") for r in rb), [r.get("cached") for r in rb]
        assert layer(b, "redis", "hit") == 4 and layer(b, "disk", "hit") == 0
        assert tools_runs(b) == 0, "B ran the tools for results A had computed"
        for x, y in zip(ra, rb):
            assert evidence(x) == evidence(y)
        # promoted into B's local store: after a restart of B they are local hits
        assert metric(b, "rtlreward_cache_disk_entries") == 4

        # Redis goes away mid-run: B still answers, computing, and counts the errors
        red.stop()
        t0 = time.time()
        rn = b.score([("add8_cout", adder(300 + i)) for i in range(2)], seed=91003)
        assert all(r["status"] == "OK" and r["function"]["passed"] and not r.get("cached")
                   for r in rn), rn
        assert layer(b, "redis", "error") >= 1
        assert tools_runs(b) == 2
        # cached results keep coming from the local layers
        assert all(r.get("cached") for r in b.score(items, seed=91003))
        log = open(os.path.join(b.tmp, "server.log")).read()
        assert "going on without it" in log, log[-2000:]
        elapsed = time.time() - t0

        # Redis comes back on the same port: after the back-off B stores there again
        red = Redis(tmp, red.port)
        time.sleep(1.2)
        stores = layer(b, "redis", "store")
        r = b.score([("add8_cout", adder(400))], seed=91003)[0]
        assert r["status"] == "OK" and not r.get("cached")
        assert layer(b, "redis", "store") == stores + 1
        assert resp(red.port, "EXISTS", "rtlr:v1:" + r["key"]) == 1
        print("  redis down: 2 computed + 4 local hits answered in %.2f s" % elapsed)
    finally:
        for x in (a, b):
            if x:
                x.stop()
        red.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_redis_unreachable_at_start(s):
    """--redis naming a port nobody listens on: the server starts, scores, and counts errors."""
    srv = harness.Server.start(FAST + ["--redis", "127.0.0.1:%d" % free_port()])
    try:
        r = srv.score([("add8_cout", adder(500))], seed=91004)[0]
        assert r["status"] == "OK" and r["function"]["passed"], r
        assert layer(srv, "redis", "error") >= 1
        r = srv.score([("add8_cout", adder(500))], seed=91004)[0]
        assert r.get("cached")
    finally:
        srv.stop()


def test_redis_that_never_answers(s):
    """A Redis address that accepts connections and never replies (a hung or overloaded
    server): every lookup gives up after --redis-timeout, the layer is skipped for a second,
    and the request is answered (the 60 s bound only guards against a hang)."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)                       # the kernel completes the handshake; nobody reads
    srv = harness.Server.start(FAST + ["--redis", "127.0.0.1:%d" % hole.getsockname()[1],
                                       "--redis-timeout", "50"])
    try:
        t0 = time.time()
        res = srv.score([("add8_cout", adder(600 + i)) for i in range(4)], seed=91007)
        assert time.time() - t0 < 60
        assert all(r["status"] == "OK" and r["function"]["passed"] for r in res), res[0]
        assert layer(srv, "redis", "error") >= 1
        assert layer(srv, "redis", "hit") == 0 and layer(srv, "redis", "store") == 0
        log = open(os.path.join(srv.tmp, "server.log")).read()
        assert "going on without it" in log, log[-2000:]
        assert all(r.get("cached") for r in srv.score([("add8_cout", adder(600))], seed=91007))
    finally:
        srv.stop()
        hole.close()


# --- what must miss ---------------------------------------------------------------------------

def test_other_or_edited_problem_misses(s):
    ref = ("module RefModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
           "  assign {cout, sum} = a + b;\nendmodule\n")
    edited = ref.replace("a + b", "a + b + 9'd1")

    def register(pid, reference):
        st, p = s.json("POST", "/v1/problems", {"id": pid, "reference": reference,
                                                "top": "TopModule", "ref_top": "RefModule"})
        assert st == 201, p
    register("it_store_a", ref)
    register("it_store_b", ref)          # the same golden under another id
    a = s.score([("it_store_a", fence(ADDER))], seed=91005)[0]
    assert a["function"]["passed"] and not a.get("cached"), a
    assert s.score([("it_store_a", fence(NOISY))], seed=91005)[0].get("cached")
    b = s.score([("it_store_b", fence(ADDER))], seed=91005)[0]
    assert not b.get("cached") and b["key"] != a["key"], b
    register("it_store_a", edited)       # editing a problem invalidates its results
    e = s.score([("it_store_a", fence(ADDER))], seed=91005)[0]
    assert not e.get("cached") and e["key"] != a["key"] and not e["function"]["passed"], e
    register("it_store_a", ref)          # the key is the content: back to the first one
    back = s.score([("it_store_a", fence(ADDER))], seed=91005)[0]
    assert back.get("cached") and back["key"] == a["key"], back


def test_comment_marker_inside_string_kept(s):
    """Text after // inside a string literal is the string, not a comment: changing it misses;
    a real comment after the string does not."""
    base = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
            "  localparam [63:0] S = \"x // %s\";\n  assign {cout, sum} = a + b;\nendmodule")
    one = s.score([("add8_cout", fence(base % "yz"))], seed=91006)[0]
    two = s.score([("add8_cout", fence(base % "yw"))], seed=91006)[0]
    assert one["key"] != two["key"] and not two.get("cached"), (one["key"], two)
    three = s.score([("add8_cout", fence((base % "yz") + " // trailing comment"))], seed=91006)[0]
    assert three.get("cached") and three["key"] == one["key"], three
