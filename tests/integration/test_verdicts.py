"""The verdict corpus (tests/data/verdicts/): small equivalence problems of the project's own,
each with rewrites that must pass and mutants that must fail, one or more per cause of a false
verdict found from outside (rare values, deep state, independent clocks, reset detection, X
under a 2-state engine, delays, resets on a clock edge). Every label is first confirmed by an
independent oracle (verdict_oracle.py: its own Icarus testbench, longer runs, directed values),
then every variant is scored by the server under icarus, verilator and auto: a false pass or a
false fail under any engine fails the test, listing them all."""

import harness
import verdict_oracle as vo

ENGINES = ("icarus", "verilator", "auto")


def register(s, name, meta, ref):
    pid = "verdict_" + name
    st, p = s.json("POST", "/v1/problems", {"id": pid, "reference": ref, "top": "TopModule",
                                             "ref_top": "RefModule", "cycles": meta["cycles"]})
    assert st == 201, (name, st, p)
    return pid


def score_corpus(s, engines=ENGINES, names=None, oracle=True):
    """Returns (rows, wrong): rows = [(problem, variant, engine, want, got, detail)]. Each
    engine's candidates go in one batch (the server scores a batch's items in parallel)."""
    cases = []
    for name in names or vo.problems():
        meta, ref, variants = vo.load(name)
        pid = register(s, name, meta, ref)
        for f, (text, want) in sorted(variants.items()):
            if oracle:
                got, first = vo.run(meta, ref, text)
                assert got == want, "oracle disagrees with the label: %s/%s: %s %s" % (
                    name, f, got, first)
            cases.append((name, pid, f, text, want))
    rows, wrong = [], []
    for eng in engines:
        res = s.score([(c[1], harness.fence(c[3])) for c in cases], engine=eng, preset="binary",
                      no_cache=True)
        for (name, _, f, _, want), r in zip(cases, res):
            fn = r.get("function") or {}
            if r.get("status") != "OK":
                got, detail = "infra", r.get("error", "")
            else:
                got = "pass" if fn.get("passed") else "fail"
                syn = (r.get("syntax") or {}).get("diagnostics") or []
                detail = "%s; %s; %s" % (fn.get("engine", ""), fn.get("reason", "") or
                                         (syn[0].get("message", "") if syn else ""),
                                         fn.get("note", ""))
            rows.append((name, f, eng, want, got, detail))
            if got != want:
                wrong.append(rows[-1])
    return rows, wrong


def test_verdict_corpus(_s):
    # a server of its own without the PPA tier: the verdicts are what is tested here
    s = harness.Server.start(extra=["--ppa", "0"])
    try:
        rows, wrong = score_corpus(s)
    finally:
        s.stop()
    fp = [w for w in wrong if w[3] == "fail"]
    ff = [w for w in wrong if w[3] == "pass"]
    msg = "%d verdicts, %d false passes, %d false fails:\n%s" % (
        len(rows), len(fp), len(ff), "\n".join("  %s/%s [%s] want %s got %s: %s" % w
                                                for w in wrong))
    assert not wrong, msg
