"""Shared helpers: the server process, HTTP calls, problem data on disk."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.environ.get("SHARED") or os.path.join(ROOT, "..", "shared")
VEVAL = os.path.join(SHARED, "data", "verilog-eval", "dataset_spec-to-rtl")
RTLLM = os.path.join(SHARED, "data", "rtllm")
CANDIDATES = os.path.join(ROOT, "tests", "data", "candidates")


class Skip(Exception):
    pass


def need_shared():
    if not os.path.isdir(VEVAL) or not os.path.isdir(RTLLM):
        raise Skip("third-party data not found under %s (set SHARED)" % SHARED)


class Server:
    def __init__(self, proc, port, tmp):
        self.proc = proc
        self.port = port
        self.tmp = tmp
        self.base = "http://127.0.0.1:%d" % port

    @classmethod
    def start(cls, extra=None, env=None):
        binary = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")
        tmp = tempfile.mkdtemp(prefix="rtlr-it-")
        args = [binary, "--bind", "127.0.0.1", "--port", "0",
                "--cache-dir", os.path.join(tmp, "cache"), "--job-dir", os.path.join(tmp, "jobs")]
        if os.path.isdir(VEVAL):
            args += ["--problems", VEVAL]
        if os.path.isdir(RTLLM):
            args += ["--problems", RTLLM]
        args += extra or []
        log = open(os.path.join(tmp, "server.log"), "w")
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        line = proc.stdout.readline()
        m = re.search(r":(\d+)\s*$", line)
        if not m:
            proc.kill()
            raise RuntimeError("server did not start: %r; log:\n%s" % (
                line, open(os.path.join(tmp, "server.log")).read()))
        return cls(proc, int(m.group(1)), tmp)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def request(self, method, path, body=None, ctype="application/json", headers=None,
                timeout=600):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if ctype and data is not None:
            req.add_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, method, path, body=None, **kw):
        status, headers, raw = self.request(method, path, body, **kw)
        try:
            return status, json.loads(raw.decode() or "null")
        except ValueError:
            return status, raw

    def score(self, items, **opts):
        body = {"items": [{"problem": p, "completion": c} for p, c in items]}
        body.update(opts)
        status, out = self.json("POST", "/v1/score", body)
        assert status == 200, (status, out)
        assert len(out["results"]) == len(items)
        return out["results"]


def fence(code):
    return "Here is the design.\n```verilog\n%s\n```\n" % code


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def veval_problems():
    need_shared()
    return sorted(f[:-len("_ref.sv")] for f in os.listdir(VEVAL) if f.endswith("_ref.sv"))


def veval_ref_as_candidate(pid):
    """The reference, renamed to the module the candidate must define."""
    return re.sub(r"\bRefModule\b", "TopModule", read(os.path.join(VEVAL, pid + "_ref.sv")))


def rtllm_designs():
    """(id, directory) for every RTLLM design."""
    need_shared()
    out = []
    for dirpath, dirnames, filenames in os.walk(RTLLM):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(("_", ".")))
        if "testbench.v" in filenames:
            out.append((os.path.basename(dirpath), dirpath))
    return sorted(out)


def run_tools(cmd, cwd, timeout):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                           errors="replace")
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"


def wait_for(pred, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False
