#!/usr/bin/env python3
"""One problem x 16 through the server, engine icarus (docs/group_icarus.md): 16 unique
candidates (the built-in reference with an unused wire each, every fourth with a constant off by
one) scored as 16 one-candidate requests one after another, then as one request of 16
(`no_cache`, `--ppa 0`); prints wall times, differences of the verdicts, tool runs, splits and
the scheduler's groups. Usage: bench_icarus_group16.py PROBLEM [server flags...]
"""
import json, os, re, subprocess, sys, tempfile, time, http.client
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tmp = tempfile.mkdtemp(prefix="icgsrv-")
args = [ROOT + "/build/rtlreward-server", "--bind", "127.0.0.1", "--port", "0", "--cache-dir", tmp + "/cache",
        "--job-dir", tmp + "/jobs", "--ppa", "0"] + sys.argv[2:]
p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(tmp + "/log", "w"), text=True)
port = int(re.search(r":(\d+)\s*$", p.stdout.readline()).group(1))
def req(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request(method, path, json.dumps(body) if body else None, {"Content-Type": "application/json"})
    r = c.getresponse(); d = r.read(); c.close(); return r.status, d
def metrics():
    out = {}
    for l in req("GET", "/metrics")[1].decode().splitlines():
        if l and not l.startswith("#"):
            k, v = l.rsplit(" ", 1); out[k] = float(v)
    return out
pid = sys.argv[1]
ref = re.sub(r"\bRefModule\b", "TopModule", open(ROOT + "/problems/%s/reference.v" % pid).read())
cands = []
for i in range(16):
    c = ref.replace("endmodule", "  wire pad%d = 1'b%d;\nendmodule" % (i, i % 2), 1)
    if i % 4 == 3:
        c = re.sub(r"(\d+)'d(\d+)", lambda m: "%s'd%d" % (m.group(1), int(m.group(2)) + 1), c, count=1)
    cands.append(c)
def score(items, **kw):
    st, d = req("POST", "/v1/score", dict(items=[{"problem": pid, "completion": "```verilog\n%s\n```" % c} for c in items], engine="icarus", mode="equivalence", preset="pass_rate", no_cache=True, **kw))
    assert st == 200, (st, d[:300]); return json.loads(d)["results"]
m0 = metrics(); t = time.time()
alone = [score([c])[0] for c in cands]
ta = time.time() - t; m1 = metrics(); t = time.time()
grp = score(cands)
tg = time.time() - t; m2 = metrics()
def v(r):
    f = r["function"]; return (r.get("status"), f.get("checked"), f.get("passed"), f.get("pass_rate"), f.get("samples"), f.get("mismatches"), json.dumps(f.get("first_mismatch"), sort_keys=True), f.get("reason"))
d = [i for i in range(16) if v(alone[i]) != v(grp[i])]
for i in d: print("DIFF", i, v(alone[i]), v(grp[i]))
def dl(a, b, pre): return {k[len(pre):]: b[k] - a.get(k, 0) for k in b if k.startswith(pre) and b[k] - a.get(k, 0)}
print("%s: 16 alone %.2f s, one request of 16 %.2f s; differences %d; passed %d" % (pid, ta, tg, len(d), sum(1 for r in grp if r["function"]["passed"])))
print("  group sizes (function):", sorted(set(r["function"].get("group_size", 0) for r in grp)))
print("  tool runs alone:", dl(m0, m1, "rtlreward_tool_runs_total"), " grouped:", dl(m1, m2, "rtlreward_tool_runs_total"))
print("  splits:", dl(m1, m2, "rtlreward_group_splits_total"), "sched groups:", dl(m1, m2, "rtlreward_sched_groups_total"))
p.terminate(); p.wait()
