"""The built-in problems with the project's own candidates: good ones pass in full, wrong ones
fail with a first mismatch, syntax and interface errors are reported as such."""
import os

from harness import CANDIDATES, read


def _cases():
    for pid in sorted(os.listdir(CANDIDATES)):
        d = os.path.join(CANDIDATES, pid)
        for fn in sorted(os.listdir(d)):
            yield pid, fn, read(os.path.join(d, fn))


def test_builtin_candidates(s):
    cases = list(_cases())
    assert len({c[0] for c in cases}) >= 12
    results = s.score([(pid, text) for pid, _, text in cases])
    bad = []
    for (pid, fn, _), r in zip(cases, results):
        f = r["function"]
        ok = r["status"] == "OK"
        if fn.startswith("good"):
            # a full pass earns 1, moved by at most the ppa weight (0.1) by its PPA against the golden's
            ok = ok and f["passed"] and f["pass_rate"] == 1.0 and r["ppa"]["checked"]
            ok = ok and abs(r["reward"] - (1.0 + 0.1 * (r["ppa"]["score"] - 1.0))) < 1e-9
        elif fn.startswith("bad"):
            ok = ok and f["checked"] and f["pass_rate"] < 1.0 and not f["passed"] and r["reward"] < 1
            if r["function"]["mode"] == "equivalence":
                ok = ok and f["first_mismatch"]["signal"] != ""
        elif fn.startswith("syntax"):
            ok = ok and not r["syntax"]["ok"] and len(r["syntax"]["diagnostics"]) > 0 and r["reward"] == 0
        elif fn.startswith("iface"):
            ok = ok and r["syntax"]["ok"] and not r["interface"]["ok"] and r["interface"]["reason"]
        if not ok:
            bad.append((pid, fn, r["status"], r["error"], r["format"], r["syntax"]["diagnostics"][:2],
                        r["interface"], f))
    assert not bad, "\n".join(map(str, bad))


def test_duplicates_hit_the_cache(s):
    pid = "add8_cout"
    text = read(os.path.join(CANDIDATES, pid, "good_1.txt"))
    a, = s.score([(pid, text)])
    # the same design with other comments and layout
    b, = s.score([(pid, text.replace("\n", "\n  // a comment\n", 3) + "\n\n")])
    assert b["cached"] and b["key"] == a["key"] and b["reward"] == a["reward"], (a["key"], b)
    c, = s.score([(pid, text)], no_cache=True)
    assert not c["cached"]


def test_extraction_forms(s):
    code = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
            "  assign {cout, sum} = a + b;\nendmodule")
    forms = {
        "fence": "Sure.\n```verilog\n%s\n```\nDone." % code,
        "answer": "<think>hmm</think>\n<answer>\n%s\n</answer>" % code,
        "code_markers": "CODE BEGIN\n%s\nCODE END" % code,
        "bare": "The module:\n%s\n" % code,
    }
    st, p = s.json("GET", "/v1/problems/add8_cout")
    names = [q["name"] for q in p["ports"]]
    if names != ["a", "b", "sum", "cout"]:
        raise AssertionError("add8_cout ports changed: %s" % names)
    res = s.score([("add8_cout", t) for t in forms.values()] + [("add8_cout", "I cannot help.")])
    for (how, _), r in zip(forms.items(), res):
        assert r["format"]["ok"] and r["function"]["passed"], (how, r)
    assert not res[-1]["format"]["ok"] and res[-1]["reward"] == 0 and res[-1]["format"]["reason"]
