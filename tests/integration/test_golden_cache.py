"""The Verilator engine's golden model: built once per problem content into the cache directory
and reused by every later candidate (Result.times.function_golden_ms says who paid for it), one
build when two workers need it at once, a new build when the reference changes; and the
per-stage times the engine reports."""
import os
import random

from harness import fence

REF = ("module RefModule(input clk, input reset, input [7:0] d, output reg [15:0] q);\n"
       "  always @(posedge clk) if (reset) q <= 16'h%04x; else q <= q + d;\nendmodule\n")


def _problem(s, pid, init):
    st, out = s.json("POST", "/v1/problems", {"id": pid, "reference": REF % init,
                                              "top": "TopModule", "ref_top": "RefModule"})
    assert st in (200, 201), (st, out)


def _cand(init, comment=""):
    return fence((REF % init).replace("RefModule", "TopModule") + comment)


def _golden_dirs(s):
    d = os.path.join(s.tmp, "cache", "verilator", "golden")
    return set(n for n in os.listdir(d) if ".tmp" not in n) if os.path.isdir(d) else set()


def test_verilator_golden_built_once(s):
    init = random.randrange(1, 0xffff)
    pid = "golden_once_%04x" % init
    _problem(s, pid, init)
    before = _golden_dirs(s)
    # four new candidates at once (two workers): two right, two wrong
    items = [(pid, _cand(init)), (pid, _cand(init, "// b\n")),
             (pid, _cand(init ^ 1)), (pid, _cand(init).replace("q + d", "q - d"))]
    rs = s.score(items, engine="verilator", mode="equivalence", no_cache=True)
    assert [r["status"] for r in rs] == ["OK"] * 4, [r.get("error") for r in rs]
    assert [r["function"]["passed"] for r in rs] == [True, True, False, False], \
        [r["function"] for r in rs]
    built = [r["times"]["function_golden_ms"] > 0 for r in rs]
    assert built.count(True) == 1, [r["times"] for r in rs]
    assert len(_golden_dirs(s) - before) == 1
    # a later candidate reuses it
    r = s.score([(pid, _cand(init, "// c\n"))], engine="verilator", mode="equivalence",
                no_cache=True)[0]
    t = r["times"]
    assert r["function"]["passed"] and t["function_golden_ms"] == 0, r
    for k in ("verilate", "compile", "link", "run"):
        assert t["function_%s_ms" % k] > 0, t
    assert t["function_build_ms"] >= t["function_verilate_ms"] + t["function_compile_ms"] + \
        t["function_link_ms"], t
    assert t["function_ms"] >= t["function_build_ms"] + t["function_run_ms"], t
    assert len(_golden_dirs(s) - before) == 1


def test_verilator_golden_follows_the_reference(s):
    init = random.randrange(1, 0xfffe)
    pid = "golden_change_%04x" % init
    _problem(s, pid, init)
    old = s.score([(pid, _cand(init))], engine="verilator", mode="equivalence",
                  no_cache=True)[0]
    assert old["function"]["passed"], old
    _problem(s, pid, init + 1)  # same id, new reference: a new golden model
    rs = s.score([(pid, _cand(init)), (pid, _cand(init + 1))], engine="verilator",
                 mode="equivalence", no_cache=True)
    assert [r["function"]["passed"] for r in rs] == [False, True], [r["function"] for r in rs]
    assert sum(r["times"]["function_golden_ms"] > 0 for r in rs) == 1, [r["times"] for r in rs]


def test_verilator_cache_files_read_only(s):
    base = os.path.join(s.tmp, "cache", "verilator")
    if not os.path.isdir(os.path.join(base, "golden")):
        test_verilator_golden_built_once(s)
    files = []
    for root, _, names in os.walk(base):
        files += [os.path.join(root, n) for n in names if ".tmp" not in root]
    assert any(f.endswith("gold.o") for f in files) and any(".pch" in f or ".gch" in f
                                                           for f in files), files
    for f in files:
        assert os.stat(f).st_mode & 0o222 == 0, (f, oct(os.stat(f).st_mode))


def test_verilator_long_simulation_o1(s):
    """A problem that simulates 250,000 samples or more gets -O1 models (function.note says so),
    with the verdicts Icarus gives; a short one stays -O0."""
    init = random.randrange(1, 0xffff)
    pid = "golden_long_%04x" % init
    st, out = s.json("POST", "/v1/problems", {"id": pid, "reference": REF % init,
                                              "top": "TopModule", "ref_top": "RefModule",
                                              "cycles": 130000})
    assert st in (200, 201), (st, out)
    # right; wrong in about one cycle in 4096
    items = [(pid, _cand(init)),
             (pid, _cand(init).replace("q + d;", "q + d + (d == 8'ha5 && q[3:0] == 4'h7);"))]
    vl = s.score(items, engine="verilator", mode="equivalence", no_cache=True)
    ic = s.score(items, engine="icarus", mode="equivalence", no_cache=True)
    for a, b in zip(ic, vl):
        assert b["status"] == "OK" and b["function"]["engine"] == "verilator", b
        assert "-O1" in b["function"]["note"], b["function"]
        assert b["function"]["samples"] == a["function"]["samples"] >= 250000, (a, b)
    assert [r["function"]["passed"] for r in vl] == [True, False], [r["function"] for r in vl]
    assert [r["function"]["passed"] for r in ic] == [True, False], [r["function"] for r in ic]
    _problem(s, pid + "_short", init)
    r = s.score([(pid + "_short", _cand(init))], engine="verilator", mode="equivalence",
                no_cache=True)[0]
    assert r["function"]["passed"] and "-O1" not in r["function"]["note"], r["function"]
