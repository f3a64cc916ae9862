#!/usr/bin/env python3
"""The formal tier on VerilogEval (docs/formal.md): the references (as candidates) and the
mutants tests/integration/test_mutants.py generates, scored in mode "formal" and with
"formal": "confirm" (engine icarus). Prints the proof verdicts of references and mutants, p50/p90
time per check (StageTimes.formal_ms), and the mutants that survived the equivalence simulation
but were refuted (replayed counterexample). Fails when a reference is refuted or a proof says
"proved" for a mutant the benchmark's simulation kills (a false proof).

Env: RTLR_SERVER, SHARED; RTLR_FORMAL_STRIDE=N scores every N-th problem only (default 1: all
156); RTLR_FORMAL_TIMEOUT (seconds, default the server's 5)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import harness  # noqa: E402
import test_mutants  # noqa: E402
from harness import fence  # noqa: E402


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else 0.0


def kind(proof):
    return proof.split("(")[0] if proof else "none"


def summary(label, results):
    counts = {}
    for r in results:
        counts[kind(r["function"]["proof"])] = counts.get(kind(r["function"]["proof"]), 0) + 1
    ms = [r["times"]["formal_ms"] for r in results if r["function"]["proof"]]
    depths = [r["function"]["proof_depth"] for r in results
              if r["function"]["proof"].startswith("bounded")]
    print("    %-34s n=%-4d %s; formal time p50 %.0f ms, p90 %.0f ms%s" % (
        label, len(results), ", ".join("%s %d" % kv for kv in sorted(counts.items())),
        pct(ms, 0.5), pct(ms, 0.9),
        "; bounded depth p50 %d" % pct(depths, 0.5) if depths else ""), flush=True)
    return counts


def main():
    try:
        pids = harness.veval_problems()
    except harness.Skip as e:
        print("bench_formal: skipped: %s" % e)
        return 0
    stride = int(os.environ.get("RTLR_FORMAL_STRIDE", "1"))
    pids = pids[::stride]
    extra = []
    if os.environ.get("RTLR_FORMAL_TIMEOUT"):
        extra = ["--formal-timeout", os.environ["RTLR_FORMAL_TIMEOUT"]]
    refs = [(p, fence(harness.veval_ref_as_candidate(p))) for p in pids]
    muts, meta = [], []
    for p in pids:
        ref = harness.veval_ref_as_candidate(p)
        for k in range(len(test_mutants.OPS)):
            m, n = test_mutants._mutate(ref, k)
            if n:
                muts.append((p, fence(m)))
                meta.append((p, k))
    print("    %d problems (every %d-th), %d mutants" % (len(pids), stride, len(muts)), flush=True)
    s = harness.Server.start(["--ppa", "0"] + extra)
    bad = 0
    try:
        t0 = time.time()
        rf = s.score(refs, mode="formal", engine="icarus")
        mf = s.score(muts, mode="formal", engine="icarus")
        t1 = time.time()
        rc = s.score(refs, formal="confirm", engine="icarus")
        mc = s.score(muts, formal="confirm", engine="icarus")
        mce = s.score(muts, formal="confirm", mode="equivalence", engine="icarus")
        t2 = time.time()
        print("    wall: formal %.0f s, confirm %.0f s (2 shared cores)" % (t1 - t0, t2 - t1))
        summary("references, mode formal", rf)
        summary("references, formal=confirm", rc)
        summary("mutants, mode formal", mf)
        summary("mutants, formal=confirm (testbench)", mc)
        summary("mutants, formal=confirm (equivalence)", mce)
        # confirm runs the proof only after a simulation pass: a proof verdict = a survivor
        for label, res in (("the benchmark's testbench", mc), ("the equivalence harness", mce)):
            surv = [i for i, r in enumerate(res) if r["function"]["proof"]]
            refuted = [i for i in surv if res[i]["function"]["proof"] == "refuted"]
            print("    mutants surviving %s: %d; refuted by the proof: %d" % (
                label, len(surv), len(refuted)))
            for i in refuted:
                fm = res[i]["function"]["first_mismatch"]
                print("      %s op %d: %s expected %s got %s (%s)" % (
                    meta[i][0], meta[i][1], fm["signal"], fm["expected"], fm["got"],
                    res[i]["function"]["note"][-90:]))
        killed = [i for i, r in enumerate(mce) if r["function"]["checked"]
                  and not r["function"]["passed"] and not r["function"]["proof"]]
        false_proofs = [meta[i] for i in killed if mf[i]["function"]["proof"] == "proved"
                        or mf[i]["function"]["passed"]]
        ref_refuted = [pids[i] for res in (rf, rc) for i, r in enumerate(res)
                       if r["function"]["proof"] == "refuted"]
        unk = {}
        for r in rf + mf:
            if r["function"]["proof"] == "unknown":
                why = r["function"]["note"].split(":")[0][:60]
                unk[why] = unk.get(why, 0) + 1
        print("    unknown (references and mutants, mode formal), by reason: %s" % unk)
        if false_proofs:
            print("    FALSE PROOFS (mutant killed by simulation, passed formal): %s" % false_proofs)
            bad = 1
        if ref_refuted:
            print("    REFERENCES REFUTED: %s" % ref_refuted)
            bad = 1
    finally:
        s.stop()
    return bad


if __name__ == "__main__":
    sys.exit(main())
