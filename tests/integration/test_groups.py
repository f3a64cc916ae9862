"""Group scoring through the real server (issue 13; docs/groups.md).

- Identity: a candidate's verdict (status, pass_rate, samples, mismatches, first_mismatch) is the
  same whether the scheduler dispatched it in a group (one pipeline_score_group call with other
  candidates of its problem) or alone, on the built-in problems and on a VerilogEval subset,
  under Icarus and Verilator, equivalence mode. The candidates are each reference, rewrites of it
  (an unused wire added: unique text, same function) and mutants (tests/integration/test_mutants.py
  operators, at several occurrences): passing and failing candidates in the same group.
  Both sides use no_cache, so neither reads the result cache; /metrics proves the grouped side
  ran in groups and the single side alone.
- Cores kept busy: one problem x 16 with --workers 2 runs as two groups of 8, both at once.
- Coalescing: concurrent one-candidate requests for one problem are grouped (--coalesce-ms), and
  with --coalesce-ms 0 every group holds one candidate; verdicts are the same either way.
- Counters: a cached candidate runs no tool; a fresh one runs verilator, iverilog and vvp.
"""
import concurrent.futures
import os
import re
import threading
import time

import harness
from harness import ROOT, fence, read
from test_mutants import OPS

# The identity server: two workers, no PPA (the verdicts compared are the function tier's),
# no coalescing, so that a one-candidate request is always scored alone. One regfile_param
# mutant never finishes its simulation (a hanging candidate in a group: it must not sink the
# others); --sim-timeout 5 bounds what it costs each side (30 s by default).
IDENTITY_ARGS = ["--workers", "2", "--ppa", "0", "--coalesce-ms", "0", "--sim-timeout", "5"]
# VerilogEval subset: combinational, sequential with reset, FSMs, wide vectors.
VEVAL_SUBSET = ["Prob025_reduction", "Prob037_review2015_count1k", "Prob085_shift4",
                "Prob097_mux9to1v", "Prob109_fsm1", "Prob133_2014_q3fsm"]
FIELDS = ("pass_rate", "samples", "mismatches", "first_mismatch", "checked", "passed")


def _metrics(s):
    st, _, raw = s.request("GET", "/metrics")
    assert st == 200, st
    out = {}
    for line in raw.decode().splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def _delta(a, b, key):
    return b.get(key, 0) - a.get(key, 0)


def _sched_groups(a, b):
    """Groups dispatched between two /metrics snapshots, by size bucket."""
    return {k[len('rtlreward_sched_groups_total{size="'):-2]: _delta(a, b, k)
            for k in b if k.startswith("rtlreward_sched_groups_total{")}


def _top_module(ref):
    return re.sub(r"\bRefModule\b", "TopModule", ref)


def _pad(code, tag):
    """An equivalent rewrite: an unused wire inside TopModule (a different text, same function)."""
    i = code.index("endmodule", code.index("module TopModule"))
    return code[:i] + "  wire rtlr_pad_%s = 1'b0;\n" % tag + code[i:]


def _mutants(code, limit):
    """Distinct mutants: each operator of test_mutants.OPS at its first three occurrences."""
    out = []
    for pat, rep in OPS:
        for i, m in enumerate(re.finditer(pat, code)):
            if i >= 3 or len(out) >= limit:
                break
            if rep is None:
                new = "%s'd%d" % (m.group(1), int(m.group(2)) + 1)
            else:
                new = m.expand(rep)
            mut = code[:m.start()] + new + code[m.end():]
            if mut != code and mut not in out:
                out.append(mut)
    return out[:limit]


def _broken(code, tag):
    """A candidate with a syntax error on a line of its own (the diagnostics must name it)."""
    i = code.index("endmodule", code.index("module TopModule"))
    return code[:i] + "  wire rtlr_broken_%s = ;\n" % tag + code[i:]


def _candidates(code, n, tag):
    """n unique candidates: the reference, up to n/2 mutants, one with a syntax error, the rest
    rewrites."""
    out = [code] + _mutants(code, n // 2)
    out.append(_broken(code, tag))
    k = 0
    while len(out) < n:
        out.append(_pad(code, "%s_%d" % (tag, k)))
        k += 1
    return out[:n]


def _builtin_ref(pid):
    return _top_module(read(os.path.join(ROOT, "problems", pid, "reference.v")))


def _builtin_equivalence(s):
    st, out = s.json("GET", "/v1/problems")
    assert st == 200, out
    ids = sorted(p["id"] for p in out["problems"]
                 if p["source"] == "builtin" and p["mode"] == "equivalence")
    assert len(ids) >= 10, ids
    return ids


def _singles(s, items, **opts):
    """Each item in its own request, two at a time (a worker each), no_cache."""
    def one(it):
        return s.score([it], no_cache=True, **opts)[0]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, items))


def _verdict(r):
    f = r["function"]
    return (r["status"], r["syntax"]["ok"], repr(r["syntax"]["diagnostics"]),
            r["interface"]["ok"]) + tuple(repr(f.get(k)) for k in FIELDS)


def _identity(s, items, labels, engine):
    """Scores items as one batch (grouped) and each alone; asserts identical verdicts."""
    opts = dict(preset="pass_rate", mode="equivalence", engine=engine)
    m0 = _metrics(s)
    t0 = time.time()
    grouped = s.score(items, no_cache=True, **opts)
    t1 = time.time()
    m1 = _metrics(s)
    single = _singles(s, items, **opts)
    t2 = time.time()
    m2 = _metrics(s)
    g1, g2 = _sched_groups(m0, m1), _sched_groups(m1, m2)
    grouped_tasks = _delta(m0, m1, "rtlreward_sched_grouped_tasks_total")
    assert grouped_tasks >= len(items) // 2 and sum(g1.values()) < len(items), ("not grouped", g1)
    assert g2.get("1", 0) == len(items) and sum(g2.values()) == len(items), ("not alone", g2)
    diff = [(l, _verdict(a), _verdict(b)) for l, a, b in zip(labels, grouped, single)
            if _verdict(a) != _verdict(b)]
    npass = sum(1 for r in grouped if r["function"]["passed"])
    nfail = sum(1 for r in grouped if r["function"]["checked"] and not r["function"]["passed"])
    nsyntax = sum(1 for r in grouped if not r["syntax"]["ok"] and r["syntax"]["diagnostics"])
    infra = [(l, r["error"][:200]) for l, r in zip(labels, grouped) if r["status"] != "OK"]
    print("    %s: %d candidates, %d pass, %d fail, %d syntax errors, groups %s (%.1f s), alone "
          "(%.1f s); %d differences" % (engine, len(items), npass, nfail, nsyntax,
                                         {k: v for k, v in g1.items() if v}, t1 - t0, t2 - t1,
                                         len(diff)))
    assert not infra, infra
    assert not diff, "\n".join(map(str, diff))
    # the engine checked them together (function.group_size), and the singles alone
    gs = [r["function"].get("group_size", 0) for r in grouped if r["function"]["checked"]]
    assert max(gs) > 1, gs
    assert all(r["function"].get("group_size", 0) <= 1 for r in single), \
        [r["function"].get("group_size") for r in single]
    assert npass and nfail and nsyntax, (npass, nfail, nsyntax)   # every kind was compared


def _builtin_items(s, n, pids=None, tag="b"):
    items, labels = [], []
    for pid in pids or _builtin_equivalence(s):
        for j, c in enumerate(_candidates(_builtin_ref(pid), n, tag)):
            items.append((pid, fence(c)))
            labels.append((pid, j))
    return items, labels


def _veval_items(n, pids, tag="v"):
    harness.need_shared()
    items, labels = [], []
    for pid in pids:
        if not os.path.exists(os.path.join(harness.VEVAL, pid + "_ref.sv")):
            raise harness.Skip("VerilogEval problem %s not found under %s" % (pid, harness.VEVAL))
        for j, c in enumerate(_candidates(harness.veval_ref_as_candidate(pid), n, tag)):
            items.append((pid, fence(c)))
            labels.append((pid, j))
    return items, labels


_ident = {}


def _identity_server():
    if "s" not in _ident or _ident["s"].proc.poll() is not None:
        _ident["s"] = harness.Server.start(extra=IDENTITY_ARGS)
    return _ident["s"]


def test_groups_identity_builtin_icarus(server):
    s = _identity_server()
    items, labels = _builtin_items(s, 6)
    _identity(s, items, labels, "icarus")


def test_groups_identity_builtin_verilator(server):
    s = _identity_server()
    items, labels = _builtin_items(s, 6, ["counter4_en"], tag="bv")
    _identity(s, items, labels, "verilator")


def test_groups_identity_veval_icarus(server):
    s = _identity_server()
    items, labels = _veval_items(6, VEVAL_SUBSET)
    _identity(s, items, labels, "icarus")


def test_groups_identity_veval_verilator(server):
    s = _identity_server()
    try:
        items, labels = _veval_items(6, VEVAL_SUBSET[1:2], tag="vv")
        _identity(s, items, labels, "verilator")
    finally:
        _ident.pop("s").stop()


def test_groups_keep_cores_busy(server):
    """One problem x 16 unique candidates with --workers 2: two groups of 8 that run at once
    (the tool-run peak is 2), with the verdicts each candidate gets alone."""
    s = harness.Server.start(extra=IDENTITY_ARGS)
    try:
        code = _builtin_ref("counter4_en")
        items = [("counter4_en", fence(c)) for c in _candidates(code, 16, "busy")]
        m0 = _metrics(s)
        grouped = s.score(items, no_cache=True, preset="pass_rate")
        m1 = _metrics(s)
        g = _sched_groups(m0, m1)
        assert g.get("5-8") == 2 and sum(g.values()) == 2, g
        assert _delta(m0, m1, "rtlreward_sched_grouped_tasks_total") == 16
        assert m1["rtlreward_tool_runs_peak"] >= 2, m1["rtlreward_tool_runs_peak"]
        single = _singles(s, items, preset="pass_rate")
        diff = [(i, _verdict(a), _verdict(b)) for i, (a, b) in enumerate(zip(grouped, single))
                if _verdict(a) != _verdict(b)]
        assert not diff, diff
    finally:
        s.stop()


def _concurrent_singles(s, items):
    """Every item in its own request, all sent at once (one thread each)."""
    barrier = threading.Barrier(len(items))
    out = [None] * len(items)

    def one(i):
        barrier.wait()
        out[i] = s.score([items[i]], preset="pass_rate")[0]
    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(items))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def test_groups_coalescing(server):
    """12 concurrent one-candidate requests for one problem (verl's per-sample reward manager):
    grouped with the default window; each alone with --coalesce-ms 0; same verdicts."""
    code = _builtin_ref("mux4_8bit")
    items = [("mux4_8bit", fence(c)) for c in _candidates(code, 12, "co")]
    res = {}
    for label, extra in (("on", ["--workers", "2", "--ppa", "0"]),
                         ("off", ["--workers", "2", "--ppa", "0", "--coalesce-ms", "0"])):
        s = harness.Server.start(extra=extra)
        try:
            m0 = _metrics(s)
            res[label] = _concurrent_singles(s, items)
            m1 = _metrics(s)
        finally:
            s.stop()
        g = _sched_groups(m0, m1)
        grouped = _delta(m0, m1, "rtlreward_sched_grouped_tasks_total")
        cross = _delta(m0, m1, "rtlreward_sched_cross_request_total")
        windows = sum(_delta(m0, m1, 'rtlreward_sched_windows_total{outcome="%s"}' % o)
                      for o in ("joined", "alone"))
        print("    coalescing %s: groups %s, %d grouped, %d across requests, %d windows" % (
            label, {k: v for k, v in g.items() if v}, grouped, cross, windows))
        if label == "on":
            # in a window or at dispatch, depending on how the requests arrive
            assert grouped >= 2 and cross >= 1 and sum(g.values()) < len(items), g
        else:
            assert g.get("1") == len(items) and sum(g.values()) == len(items), g
            assert grouped == 0 and cross == 0 and windows == 0, (grouped, cross, windows)
    diff = [(i, _verdict(a), _verdict(b)) for i, (a, b) in enumerate(zip(res["on"], res["off"]))
            if _verdict(a) != _verdict(b)]
    assert not diff, diff


def test_groups_window(server):
    """The coalescing window, with one worker and --coalesce-ms 400: a request that arrives 50 ms
    after a lone one joins its group (one window joined, one candidate coalesced across requests,
    one group of 2); a request alone waits out its window and runs alone."""
    s = harness.Server.start(extra=["--workers", "1", "--coalesce-ms", "400"])
    try:
        code = _builtin_ref("add8_cout")
        s.score([("add8_cout", fence(code))])   # the problem's golden work, PPA included
        out = {}

        def send(tag):
            # a and c: preset pass_rate; b: the default (hierarchical, PPA paid): requests with
            # different weights share a group, each reward composed under its own
            opts = {} if tag == "b" else {"preset": "pass_rate"}
            out[tag] = s.score([("add8_cout", fence(_pad(code, "w" + tag)))], **opts)[0]
        m0 = _metrics(s)
        t1 = threading.Thread(target=send, args=("a",))
        t1.start()
        time.sleep(0.05)
        send("b")
        t1.join()
        m1 = _metrics(s)
        assert out["a"]["function"]["passed"] and out["b"]["function"]["passed"], out
        assert _sched_groups(m0, m1).get("2") == 1, _sched_groups(m0, m1)
        assert _delta(m0, m1, 'rtlreward_sched_windows_total{outcome="joined"}') == 1
        assert _delta(m0, m1, "rtlreward_sched_coalesced_total") == 1
        assert _delta(m0, m1, "rtlreward_sched_cross_request_total") == 1
        assert out["a"]["function"]["group_size"] == 2, out["a"]["function"]
        assert out["a"]["reward"] == 1.0, out["a"]["reward"]
        assert out["b"]["ppa"]["area"] > 0 and out["b"]["ppa"]["score"] > 0, out["b"]["ppa"]
        assert 0 < out["b"]["reward"] <= 1.0, out["b"]["reward"]
        t0 = time.time()
        send("c")
        dt = time.time() - t0
        m2 = _metrics(s)
        assert _sched_groups(m1, m2).get("1") == 1, _sched_groups(m1, m2)
        assert _delta(m1, m2, 'rtlreward_sched_windows_total{outcome="alone"}') == 1
        assert _delta(m1, m2, "rtlreward_sched_window_seconds_total") >= 0.39
        assert dt >= 0.39, dt
    finally:
        s.stop()


def test_groups_flags(server):
    """--group-max and --coalesce-ms are in --help with their defaults; out-of-range values are
    refused at start with a message naming the flag."""
    import subprocess
    binary = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30).stdout
    assert re.search(r"--group-max N .*\(default 16, 1\.\.64\)", out), out
    assert re.search(r"--coalesce-ms N .*\(default 3, 0\.\.1000\)", out), out
    for flag, bad in (("--group-max", "0"), ("--group-max", "65"), ("--coalesce-ms", "-1"),
                      ("--coalesce-ms", "1001"), ("--coalesce-ms", "3ms")):
        p = subprocess.run([binary, flag, bad], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2 and flag in p.stderr, (flag, bad, p.returncode, p.stderr)


def test_groups_deadline(server):
    """--deadline 1, one worker, groups of 4: the candidates whose group starts after the deadline
    are answered INFRA_ERROR "deadline exceeded" without running (rtlreward_sched_late_total
    counts exactly them); the first group's run, whole."""
    s = harness.Server.start(extra=["--workers", "1", "--ppa", "0", "--deadline", "1",
                                    "--group-max", "4"])
    try:
        code = _builtin_ref("add8_cout")
        items = [("add8_cout", fence(_pad(code, "dl%d" % k))) for k in range(64)]
        m0 = _metrics(s)
        res = s.score(items, preset="pass_rate")
        m1 = _metrics(s)
        late = [i for i, r in enumerate(res) if r["status"] == "INFRA_ERROR"]
        assert all("deadline exceeded" in res[i]["error"] for i in late), res[late[0]]
        assert all(r["function"]["passed"] for r in res[:4]), [r["status"] for r in res[:4]]
        assert late and _delta(m0, m1, "rtlreward_sched_late_total") == len(late), late
        g = _sched_groups(m0, m1)
        assert g.get("3-4", 0) >= 1 and sum(g.values()) * 4 >= 64 - len(late), g
    finally:
        s.stop()


def test_groups_counters(server):
    """Tool-run counters move with the work done: a fresh candidate runs verilator, iverilog and
    vvp; the same candidate again (cached) runs no tool at all."""
    s = harness.Server.start(extra=["--workers", "2", "--ppa", "0"])
    try:
        item = ("hex7seg", fence(_pad(_builtin_ref("hex7seg"), "cnt")))
        s.score([item], preset="pass_rate")        # the problem's golden work, once
        item2 = ("hex7seg", fence(_pad(_builtin_ref("hex7seg"), "cnt2")))
        m0 = _metrics(s)
        r = s.score([item2], preset="pass_rate")[0]
        m1 = _metrics(s)
        assert r["function"]["passed"] and not r["cached"], r["function"]
        for tool in ("verilator", "iverilog", "vvp"):
            assert _delta(m0, m1, 'rtlreward_tool_runs_total{tool="%s"}' % tool) >= 1, tool
        r = s.score([item2], preset="pass_rate")[0]
        m2 = _metrics(s)
        assert r["cached"], r["cached"]
        moved = {k: _delta(m1, m2, k) for k in m2
                 if k.startswith("rtlreward_tool_runs_total") and _delta(m1, m2, k)}
        assert not moved, moved
    finally:
        s.stop()


def test_groups_pass_rate_runs_no_ppa(server):
    """EXPECTS issue 13 "pay only for what the request pays for" (the lead's PPA-only-when-paid
    change): a pass_rate request for unique passing candidates runs no yosys and no sta, and
    its times.ppa_ms is 0; the hierarchical preset (PPA paid) does run them."""
    s = harness.Server.start(extra=["--workers", "2"])
    try:
        code = _builtin_ref("add8_cout")
        m0 = _metrics(s)
        res = s.score([("add8_cout", fence(_pad(code, "pr%d" % k))) for k in range(4)],
                      preset="pass_rate")
        m1 = _metrics(s)
        assert all(r["function"]["passed"] for r in res), [r["function"] for r in res]
        ran = {t: _delta(m0, m1, 'rtlreward_tool_runs_total{tool="%s"}' % t) for t in ("yosys", "sta")}
        ppa_ms = [r["times"]["ppa_ms"] for r in res]
        assert not any(ran.values()) and not any(ppa_ms), (
            "pass_rate ran PPA (expected after 'PPA only when paid'): %s, ppa_ms %s" % (ran, ppa_ms))
        s.score([("add8_cout", fence(_pad(code, "hier")))])
        m2 = _metrics(s)
        assert _delta(m1, m2, 'rtlreward_tool_runs_total{tool="yosys"}') >= 1
    finally:
        s.stop()


def test_groups_ppa_lends_its_slot(server):
    """One worker: while a group's PPA stage synthesizes a 24-bit multiplier (seconds of Yosys),
    a quick candidate of another request gets its function verdict: the PPA stage lends its
    worker slot (pipeline_set_ppa_hooks), so the quick one finishes first."""
    s = harness.Server.start(extra=["--workers", "1", "--ppa-timeout", "60"])
    try:
        ref = ("module RefModule(input [23:0] a, input [23:0] b, output [47:0] p);\n"
               "  assign p = a * b;\nendmodule\n")
        st, out = s.json("POST", "/v1/problems", {"id": "grp_mul24", "reference": ref,
                                                  "top": "TopModule", "ref_top": "RefModule"})
        assert st in (200, 201), (st, out)
        top = _top_module(ref.replace("RefModule", "TopModule"))
        warm = s.score([("grp_mul24", fence(top))])[0]     # the golden's PPA, once
        assert warm["ppa"]["area"] > 0, warm["ppa"]
        done = {}

        def slow():
            r = s.score([("grp_mul24", fence(_pad(top, "slow")))])[0]
            done["slow"] = time.time()
            done["slow_ppa_ms"] = r["times"]["ppa_ms"]
        yosys = 'rtlreward_tool_runs_total{tool="yosys"}'
        y0 = _metrics(s)[yosys]
        t = threading.Thread(target=slow)
        t.start()
        # the slow candidate's synthesis has started (counted when a run starts)
        assert harness.wait_for(lambda: _metrics(s)[yosys] > y0, timeout=60)
        r = s.score([("add8_cout", fence(_pad(_builtin_ref("add8_cout"), "hol")))],
                    preset="pass_rate")[0]
        done["quick"] = time.time()
        t.join()
        assert r["function"]["passed"], r["function"]
        assert done["slow_ppa_ms"] > 0 and done["quick"] < done["slow"], done
    finally:
        s.stop()
