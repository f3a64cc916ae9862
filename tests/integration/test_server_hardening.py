"""The server's own defences (issue 12, items 4-6): connection deadlines and budget, hostile
references and testbenches at registration, built-in problems, registration through the
queue, bearer tokens, and the refusal to listen beyond loopback without them.

Every server here listens on 127.0.0.1 only; the extra client addresses (127.0.0.2, .3) are
loopback too. Connection tests hold a handful of sockets for a few seconds."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import harness
from harness import fence

ROOT = harness.ROOT
BINARY = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")

ADMIN = "admin-token-for-tests-0123456789"
SCORER = "scorer-token-for-tests-0123456789"

REF = "module RefModule(input [7:0] a, input [7:0] b, output [8:0] s); assign s = a + b; endmodule\n"
GOOD = fence("module TopModule(input [7:0] a, input [7:0] b, output [8:0] s); assign s = a + b; endmodule")
TB = ("module tb; reg [7:0] a, b; wire [8:0] s; integer i, err; TopModule dut(.a(a), .b(b), .s(s));\n"
      "initial begin err = 0; for (i = 0; i < 64; i = i + 1) begin a = $random; b = $random; #1;\n"
      " if (s !== a + b) err = err + 1; end\n"
      " $display(\"Mismatches: %1d in %1d samples\", err, 64); $finish; end endmodule\n")


# --- raw HTTP from a chosen loopback address ------------------------------------------------

def _conn(port, src="127.0.0.1", timeout=5.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(src, 0))


def _raw(port, method, path, src="127.0.0.1", headers=None, body=None, timeout=5.0):
    """One request with Connection: close; (status, headers dict, body bytes), status 0 when
    the server closed the connection without an answer."""
    c = _conn(port, src, timeout)
    try:
        h = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (method, path)
        for k, v in (headers or {}).items():
            h += "%s: %s\r\n" % (k, v)
        data = b""
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(data)
        c.sendall(h.encode() + b"\r\n" + data)
        out = b""
        while True:
            try:
                chunk = c.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        c.close()
    if not out:
        return 0, {}, b""
    head, _, rest = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), hdrs, rest


def _half_open(port, src="127.0.0.1"):
    """A connection that sent part of its headers and stops."""
    c = _conn(port, src, timeout=30)
    c.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return c


def _closed_by_server(c, within):
    """True when the server closes c within `within` seconds."""
    c.settimeout(within)
    try:
        return c.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def _metric(port, name):
    st, _, raw = _raw(port, "GET", "/metrics", src="127.0.0.3")
    assert st == 200, st
    m = re.search(r"^%s (\d+)" % re.escape(name), raw.decode(), re.M)
    assert m, "no %s in /metrics" % name
    return int(m.group(1))


def _start(extra, env=None):
    return harness.Server.start(extra=extra, env=env)


# --- 4. connections -------------------------------------------------------------------------

def test_slow_header_client_is_dropped(_s):
    """A client that sends a header byte every 0.3 s (never idle for MHD's idle time-out) is
    dropped at --header-timeout, counted in /metrics."""
    srv = _start(["--no-builtin", "--header-timeout", "2"])
    try:
        c = _conn(srv.port)
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        t0 = time.time()
        closed_at = None
        c.settimeout(0.3)
        while time.time() - t0 < 8:
            try:
                c.sendall(b"X-A: b\r\n")
                if c.recv(1) == b"":
                    closed_at = time.time() - t0
                    break
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.time() - t0
                break
        c.close()
        assert closed_at is not None, "a dribbling client was kept for 8 s"
        assert 1.5 <= closed_at <= 3.5, closed_at
        assert _metric(srv.port, 'rtlreward_connections_dropped_total{reason="header_timeout"}') >= 1
        # a body that stops half-way is dropped at --body-timeout (here the default: not yet)
        # and an ordinary request is unaffected
        st, _, _ = _raw(srv.port, "GET", "/healthz")
        assert st == 200
    finally:
        srv.stop()


def test_budget_spent_healthz_still_answers(_s):
    """N half-open connections from one client take the whole ordinary budget; /healthz and
    /metrics still answer within 1 s (the reserve), from that client and from others, and
    other routes get 503 with Retry-After until a connection is freed."""
    n = 6
    srv = _start(["--no-builtin", "--max-connections", str(n), "--max-connections-per-client",
                  str(n), "--header-timeout", "30"])
    held = []
    try:
        held = [_half_open(srv.port) for _ in range(n)]
        time.sleep(0.3)
        for src in ("127.0.0.1", "127.0.0.2"):
            t0 = time.time()
            st, _, body = _raw(srv.port, "GET", "/healthz", src=src, timeout=1.0)
            dt = time.time() - t0
            assert st == 200 and b'"status":"ok"' in body, (src, st, body)
            assert dt < 1.0, dt
        st, h, body = _raw(srv.port, "GET", "/v1/problems", src="127.0.0.2")
        assert st == 503 and h.get("retry-after") == "1" and b"connection budget" in body, (st, body)
        assert _metric(srv.port, 'rtlreward_connections{class="ordinary"}') == n
        held.pop().close()
        ok = harness.wait_for(lambda: _raw(srv.port, "GET", "/v1/problems", src="127.0.0.2")[0] == 200, 5)
        assert ok, "the freed connection did not return to the budget"
    finally:
        for c in held:
            c.close()
        srv.stop()


def test_per_client_connection_limit(_s):
    """One address holds at most --max-connections-per-client ordinary connections; past it
    the reserve (2 per address) answers only probes, then connections are closed at once;
    another address is served normally meanwhile."""
    srv = _start(["--no-builtin", "--max-connections", "32", "--max-connections-per-client", "3",
                  "--header-timeout", "30"])
    held = []
    try:
        held = [_half_open(srv.port) for _ in range(3)]
        time.sleep(0.3)
        st, _, body = _raw(srv.port, "GET", "/v1/problems", src="127.0.0.1")
        assert st == 503 and b"connection budget" in body, (st, body)
        st, _, _ = _raw(srv.port, "GET", "/v1/problems", src="127.0.0.2")
        assert st == 200, st
        # the reserve holds two per address; the third extra connection is closed at once
        held += [_half_open(srv.port) for _ in range(2)]
        time.sleep(0.3)
        extra = _conn(srv.port)
        assert _closed_by_server(extra, 2.0), "a 6th connection from one address was kept"
        extra.close()
        assert _metric(srv.port, 'rtlreward_connections_dropped_total{reason="budget"}') >= 1
        assert _metric(srv.port, "rtlreward_connections_reserve_total") >= 3
        st, _, _ = _raw(srv.port, "GET", "/healthz", src="127.0.0.2")
        assert st == 200
    finally:
        for c in held:
            c.close()
        srv.stop()


def test_slow_reserve_does_not_outlive_its_deadline(_s):
    """A reserve connection that never sends its headers is closed within 5 s, so the
    reserve cannot be held either."""
    srv = _start(["--no-builtin", "--max-connections", "4", "--max-connections-per-client", "4",
                  "--header-timeout", "30"])
    held = []
    try:
        held = [_half_open(srv.port) for _ in range(4)]
        time.sleep(0.2)
        r = _half_open(srv.port, src="127.0.0.2")
        t0 = time.time()
        assert _closed_by_server(r, 8.0)
        assert time.time() - t0 < 6.5
        r.close()
        # the ordinary ones are still held (30 s deadline)
        assert not _closed_by_server(held[0], 0.2)
    finally:
        for c in held:
            c.close()
        srv.stop()


# --- 5. hostile references and testbenches ---------------------------------------------------

def _host_secrets():
    """Strings that must never appear in an answer: host file contents."""
    out = []
    try:
        first = harness.read("/etc/passwd").splitlines()[0]
        out.append(first)
        out.append(first.split(":")[0] + ":x:")
    except (OSError, IndexError):
        pass
    for k, v in os.environ.items():
        if len(v) >= 8 and k in ("PATH", "HOME", "HOSTNAME", "TMPDIR"):
            out.append("%s=%s" % (k, v))
    return out


def test_verilator_would_echo_an_included_host_file(_s):
    """The oracle, outside the server: Verilator quotes the lines of an included host file in
    its diagnostics (what a 422 used to carry)."""
    if not shutil.which("verilator"):
        raise harness.Skip("verilator not installed")
    d = tempfile.mkdtemp(prefix="rtlr-oracle-")
    try:
        with open(os.path.join(d, "g.v"), "w") as f:
            f.write('`include "/etc/passwd"\n' + REF)
        rc, out, err = harness.run_tools(["verilator", "--lint-only", "g.v"], d, 60)
        first = harness.read("/etc/passwd").splitlines()[0]
        assert rc != 0 and first[:20] in out + err, (rc, err[:400])
    finally:
        shutil.rmtree(d, ignore_errors=True)


HOSTILE = [
    # (name, reference, testbench)
    ("inc_passwd", '`include "/etc/passwd"\n' + REF, None),
    ("inc_environ", REF.replace("assign", '`include "/proc/self/environ"\n assign'), None),
    ("inc_relative", '`include "../../../../../../../../etc/passwd"\n' + REF, None),
    ("inc_macro", '`define P "/etc/passwd"\n`include `P\n' + REF, None),
    ("inc_in_macro_body", '`define I `include "/etc/hostname"\n`I\n' + REF, None),
    ("ref_readmem", REF.replace("assign", 'reg [7:0] m[0:3]; initial $readmemh("/etc/passwd", m);\n assign'), None),
    ("ref_system", REF.replace("assign", 'initial $system("cat /etc/passwd");\n assign'), None),
    ("tb_readmemh", REF, TB.replace("initial begin err = 0;",
                                    'reg [7:0] m[0:3]; initial $readmemh("/etc/passwd", m);\ninitial begin err = 0;')),
    ("tb_fopen_fgets", REF, TB.replace("initial begin err = 0;",
                                       'integer fd, r; reg [8*200:1] line; initial begin fd = $fopen("/etc/passwd", "r");'
                                       ' r = $fgets(line, fd); $display("%0s", line); end\ninitial begin err = 0;')),
    ("tb_fopen_var", REF, TB.replace("initial begin err = 0;",
                                     'reg [8*16:1] n; integer fd; initial begin n = "/etc/passwd"; fd = $fopen(n, "r"); end\n'
                                     'initial begin err = 0;')),
    ("tb_dumpfile_abs", REF, TB.replace("initial begin err = 0;", 'initial $dumpfile("/tmp/rtlr-x.vcd");\ninitial begin err = 0;')),
    ("tb_dpi", REF, 'import "DPI-C" function int system(input string c);\n' + TB),
    ("tb_uselib", REF, "`uselib file=/etc/passwd\n" + TB),
]


def test_hostile_references_and_testbenches_refused(s):
    secrets = _host_secrets()
    for name, ref, tb in HOSTILE:
        body = {"id": "hr_" + name, "reference": ref, "top": "TopModule", "ref_top": "RefModule"}
        if tb:
            body.update(mode="testbench", testbench=tb)
        st, _, raw = s.request("POST", "/v1/problems", body)
        text = raw.decode(errors="replace")
        assert st == 400, (name, st, text)
        e = json.loads(text)
        where = "testbench" if name.startswith("tb_") else "reference"
        assert e["field"] == where and e["error"].startswith(where + ": line "), (name, e)
        for sec in secrets:
            assert sec not in text, (name, sec)
        assert s.json("GET", "/v1/problems/hr_" + name)[0] == 404, name
    # a problem's own data file that includes a host file: checked like the reference
    st, _, raw = s.request("POST", "/v1/problems", {
        "id": "hr_inc_data_file", "reference": '`include "evil.vh"\n' + REF, "top": "TopModule",
        "ref_top": "RefModule", "files": {"evil.vh": '`include "/etc/passwd"\n'}})
    text = raw.decode(errors="replace")
    assert st == 400 and "evil.vh" in text and "/etc/passwd" in text, (st, text)
    for sec in secrets:
        assert sec not in text, sec
    # the same shapes with paths inside the job directory are fine
    ok_tb = TB.replace("initial begin err = 0;",
                       'initial $dumpfile("wave.vcd");\ninitial begin err = 0;')
    st, p = s.json("POST", "/v1/problems", {"id": "hr_ok", "reference": REF, "top": "TopModule",
                                             "ref_top": "RefModule", "mode": "testbench", "testbench": ok_tb})
    assert st == 201, p
    r, = s.score([("hr_ok", GOOD)], mode="testbench")
    assert r["status"] == "OK" and r["function"]["passed"], r


# --- 6. registration: built-ins, the queue, tokens -----------------------------------------

def test_builtin_problems_cannot_be_replaced(s):
    st, lst = s.json("GET", "/v1/problems")
    assert st == 200
    builtin = [p for p in lst["problems"] if p.get("source", "").startswith("builtin")]
    loaded = [p for p in lst["problems"] if not p.get("source", "").startswith(("builtin", "api"))]
    assert builtin, "no built-in problems listed"
    targets = [builtin[0]["id"]] + ([loaded[0]["id"]] if loaded else [])
    for pid in targets:
        st, e = s.json("POST", "/v1/problems", {"id": pid, "reference": REF.replace("a + b", "a - b"),
                                                 "top": "TopModule", "ref_top": "RefModule"})
        assert st == 409 and e["field"] == "id" and "built in" in e["error"], (pid, st, e)
        st, p = s.json("GET", "/v1/problems/" + pid)
        assert st == 200 and p["hash"] == [q for q in lst["problems"] if q["id"] == pid][0]["hash"], p
    # a problem registered over the API may be replaced
    for variant in ("a + b", "a + b + 9'd0"):
        st, p = s.json("POST", "/v1/problems", {"id": "hr_replaceable", "reference": REF.replace("a + b", variant),
                                                 "top": "TopModule", "ref_top": "RefModule"})
        assert st == 201, p
    r, = s.score([("hr_replaceable", GOOD)])
    assert r["function"]["passed"], r


def test_concurrent_registrations_go_through_the_queue(_s):
    """With one worker and a queue of one, concurrent testbench-mode registrations are
    refused with 429 past the queue, and the tools never run more than one at a time."""
    srv = _start(["--no-builtin", "--workers", "1", "--queue", "1"])
    try:
        results = []

        def reg(i):
            # distinct testbenches: nothing is shared or cached between them
            tb = TB.replace("i < 64", "i < %d" % (60 + i)).replace(", 64);", ", %d);" % (60 + i))
            st, h, raw = srv.request("POST", "/v1/problems", {
                "id": "cc_%d" % i, "reference": REF, "top": "TopModule", "ref_top": "RefModule",
                "mode": "testbench", "testbench": tb})
            results.append((st, h.get("Retry-After"), raw))

        ts = [threading.Thread(target=reg, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        codes = sorted(r[0] for r in results)
        assert set(codes) <= {201, 429}, results
        assert codes.count(201) >= 1 and codes.count(429) >= 1, codes
        assert all(r[1] == "1" for r in results if r[0] == 429), results
        peak = _metric(srv.port, "rtlreward_tool_runs_peak")
        assert peak == 1, peak
        # the ones that got through are usable
        ok = [i for i in range(8) if srv.json("GET", "/v1/problems/cc_%d" % i)[0] == 200]
        assert len(ok) == codes.count(201), (ok, codes)
    finally:
        srv.stop()


def _token_server():
    d = tempfile.mkdtemp(prefix="rtlr-tok-")
    path = os.path.join(d, "tokens")
    with open(path, "w") as f:
        f.write("# test tokens\nadmin %s\nscorer %s\n" % (ADMIN, SCORER))
    try:
        return _start(["--token-file", path]), d
    except Exception:
        shutil.rmtree(d, ignore_errors=True)
        raise


def test_auth_matrix(_s):
    srv, d = _token_server()
    try:
        def call(method, path, token, body=None):
            hdr = {"Authorization": "Bearer " + token} if token else {}
            st, h, raw = _raw(srv.port, method, path, headers=hdr, body=body, timeout=120)
            return st, h, raw

        score = {"items": [{"problem": "add8_cout", "completion": "no code"}]}
        reward = {"query": ["no code"], "labels": ["add8_cout"]}
        prob = {"id": "auth_p", "reference": REF, "top": "TopModule", "ref_top": "RefModule"}
        bad = "not-a-configured-token-00000000"
        cases = [
            # (method, path, body, {token: status})
            ("GET", "/healthz", None, {None: 200, bad: 200, SCORER: 200}),
            ("GET", "/metrics", None, {None: 200, SCORER: 200}),
            ("POST", "/v1/score", score, {None: 401, bad: 401, SCORER: 200, ADMIN: 200}),
            ("POST", "/get_reward", reward, {None: 401, bad: 401, SCORER: 200}),
            ("GET", "/v1/problems", None, {None: 401, bad: 401, SCORER: 200, ADMIN: 200}),
            ("GET", "/v1/problems/add8_cout", None, {None: 401, SCORER: 200}),
            ("POST", "/v1/problems", prob, {None: 401, bad: 401, SCORER: 403, ADMIN: 201}),
            ("GET", "/nowhere", None, {None: 401, SCORER: 404}),
        ]
        for method, path, body, want in cases:
            for tok, code in want.items():
                st, h, raw = call(method, path, tok, body)
                assert st == code, (method, path, tok and tok[:6], st, raw[:200])
                if code == 401:
                    assert h.get("www-authenticate", "").startswith("Bearer"), h
                    assert json.loads(raw)["field"] == "Authorization"
                if code == 403:
                    assert "insufficient_scope" in h.get("www-authenticate", ""), h
        # replacing the problem registered above needs the admin token too
        st, _, _ = call("POST", "/v1/problems", SCORER, prob)
        assert st == 403
        st, _, _ = call("POST", "/v1/problems", ADMIN, dict(prob, reference=REF.replace("a + b", "b + a")))
        assert st == 201
        # OpenRLHF's remote reward client (requests.post with only Content-Type): the token
        # goes in the URL's user info, which requests sends as HTTP Basic
        try:
            import requests
        except ImportError:
            requests = None
        if requests is not None:
            u = "http://rtlreward:%s@127.0.0.1:%d/get_reward" % (SCORER, srv.port)
            r = requests.post(u, json=reward, headers={"Content-Type": "application/json"}, timeout=120)
            assert r.status_code == 200 and "rewards" in r.json(), (r.status_code, r.text)
            r = requests.post(u.replace(SCORER, bad), json=reward, timeout=120)
            assert r.status_code == 401, r.status_code
        # the Python client sends RTLREWARD_TOKEN
        sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
        import rtlreward_client as rc
        old = os.environ.get("RTLREWARD_TOKEN")
        try:
            os.environ["RTLREWARD_TOKEN"] = SCORER
            c = rc.Client(srv.base, retries=0)
            res = c.score([("auth_p", GOOD)])
            assert res[0]["status"] == "OK" and res[0]["function"]["passed"], res
            try:
                c.register(dict(prob, id="auth_q"))
                assert False, "a scorer token registered a problem"
            except rc.RequestError as e:
                assert e.status == 403, e
            os.environ["RTLREWARD_TOKEN"] = ADMIN
            assert rc.Client(srv.base, retries=0).register(dict(prob, id="auth_q"))["id"] == "auth_q"
            del os.environ["RTLREWARD_TOKEN"]
            try:
                rc.Client(srv.base, retries=0).score([("auth_p", GOOD)])
                assert False, "scored without a token"
            except rc.RequestError as e:
                assert e.status == 401, e
        finally:
            if old is None:
                os.environ.pop("RTLREWARD_TOKEN", None)
            else:
                os.environ["RTLREWARD_TOKEN"] = old
    finally:
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)


def test_bad_token_files_refused_at_start(_s):
    d = tempfile.mkdtemp(prefix="rtlr-tok-")
    try:
        for name, text, part in [("short", "admin short\n", "16 to 256"),
                                 ("role", "root " + ADMIN + "\n", "role"),
                                 ("empty", "# nothing\n", "no tokens")]:
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(text)
            p = subprocess.run([BINARY, "--bind", "127.0.0.1", "--port", "0", "--no-builtin",
                                "--cache-dir", "", "--job-dir", os.path.join(d, "jobs"),
                                "--token-file", path], capture_output=True, text=True, timeout=30)
            assert p.returncode == 2 and part in p.stderr and "listening" not in p.stdout, (name, p)
        p = subprocess.run([BINARY, "--bind", "127.0.0.1", "--port", "0", "--token-file",
                            os.path.join(d, "missing")], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2 and "cannot read" in p.stderr, p
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_non_loopback_bind_without_tokens_refuses_to_start(_s):
    """0.0.0.0 or :: without --token-file: exit 2 before listening (port 0, nothing is sent
    there). Loopback addresses need no token."""
    for bind in ("0.0.0.0", "::", "::ffff:10.0.0.1"):
        t0 = time.time()
        p = subprocess.run([BINARY, "--bind", bind, "--port", "0", "--no-builtin", "--cache-dir", ""],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 2, (bind, p)
        assert "--token-file" in p.stderr and "--insecure-no-auth" in p.stderr, p.stderr
        assert "listening" not in p.stdout, p.stdout
        assert time.time() - t0 < 5


def test_load_generator_slowloris_mode(_s):
    """rtlreward-load --slowloris: as many slow clients as the whole budget, from another
    address; every /healthz probe answers within 1 s and the slow ones are closed at the
    header deadline (measured by the load generator itself)."""
    load = os.path.join(ROOT, "build", "rtlreward-load")
    if not os.path.exists(load):
        raise harness.Skip("build/rtlreward-load not built")
    srv = _start(["--no-builtin", "--max-connections", "8", "--header-timeout", "2"])
    try:
        p = subprocess.run([load, "--port", str(srv.port), "--slowloris", "8", "--slow-from",
                            "127.0.0.2", "--slow-interval", "0.5", "--seconds", "5"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (p.stdout, p.stderr)
        m = re.search(r"(\d+) closed by the server \(held ([\d.]+) s on average, ([\d.]+) s at most\)", p.stdout)
        assert m and int(m.group(1)) >= 8, p.stdout
        assert 1.5 <= float(m.group(3)) <= 3.5, p.stdout
        m = re.search(r"probes: (\d+) of (\d+) answered 200 within 1 s", p.stdout)
        assert m and m.group(1) == m.group(2) and int(m.group(2)) >= 5, p.stdout
    finally:
        srv.stop()


def test_streamed_response_outlives_idle_timeout(_s):
    """Waiting for the next streamed (NDJSON) result is not idleness: with --idle-timeout 1
    and results seconds apart, every result still arrives (before, libmicrohttpd's idle
    time-out cut the stream while the server waited for a result)."""
    import urllib.request
    srv = _start(["--idle-timeout", "1", "--workers", "1"])
    try:
        # a long Icarus run per candidate (120,000 samples: seconds even on a quiet machine),
        # so that the wait for each streamed result exceeds the idle time-out
        ref = ("module RefModule(input clk, input reset, input en, output reg [15:0] q);\n"
               "  always @(posedge clk) if (reset) q <= 0; else if (en) q <= q + 1;\nendmodule\n")
        st, p = srv.json("POST", "/v1/problems", {"id": "slow_cnt", "reference": ref,
                                                   "top": "TopModule", "ref_top": "RefModule",
                                                   "cycles": 60000})
        assert st == 201, (st, p)
        good = fence(ref.replace("RefModule", "TopModule"))
        other = fence(ref.replace("RefModule", "TopModule").replace("q + 1", "16'd1 + q"))
        body = {"items": [{"problem": "slow_cnt", "completion": good},
                          {"problem": "slow_cnt", "completion": other}], "no_cache": True,
                "engine": "icarus", "preset": "pass_rate"}
        req = urllib.request.Request(srv.base + "/v1/score", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Accept": "application/x-ndjson"})
        t0 = time.time()
        times, seen = [], set()
        with urllib.request.urlopen(req, timeout=120) as r:
            for line in r:
                d = json.loads(line)
                seen.add(d.get("index", 0))
                times.append(time.time() - t0)
                assert d["status"] == "OK" and d["function"]["passed"], d
        assert seen == {0, 1}, (seen, times)
        # the test means something only when a wait exceeded the idle time-out
        gaps = [times[0]] + [b - a for a, b in zip(times, times[1:])]
        assert max(gaps) > 1.5, gaps
    finally:
        srv.stop()
