#!/usr/bin/env python3
"""What the PPA tier costs per passing candidate, before and after the group/memo path, and the
hierarchical preset's throughput on designs the PPA memo cannot share (issue 14). Same run,
same machine, interleaved rounds; the machine's load is printed at start and end.

Part 1, PPA per passing candidate. Designs: the VerilogEval v2 references
($SHARED/data/verilog-eval/dataset_spec-to-rtl/*_ref.sv, RefModule renamed TopModule, the
problems peer_baseline.SKIP skips left out; the first RTLR_PPACOST_N, default 60), each a
candidate of its own problem, preset "hierarchical", mode equivalence. The goldens' PPA is
warmed first (each reference scored once) so no golden synthesis is counted. Every round makes
every design new twice over: a fresh unused trailing module (the result cache misses) AND the
design itself made distinct per round (distinct() below: every internal, non-port identifier
renamed with a per-round suffix by a token-level rename, ports and the module name kept, plus an
unused localparam named with the suffix, since 102 of the 149 references have no internal
identifier), because the PPA memo is keyed on the design without its unused modules: both
servers do the full Yosys/netlist-check/OpenSTA work every round.
Two servers, alive together, one request per round each with all designs, rounds interleaved
(before, after, before, after, ...):
  - before: BEFORE_ARGS (`--group-max 1 --coalesce-ms 0 --ppa-memo 0`): each candidate
    synthesized, netlist-checked and timed alone (its own OpenSTA run). Its per-candidate PPA
    time is the result's times.ppa_ms (wall time of its own PPA stage).
  - after: the default server (groups of a problem's passing candidates, one OpenSTA run per
    group, the PPA memo on). times.ppa_ms is the wall time of the group's PPA stage, shared by
    the group's candidates; the per-candidate figure is that wall divided by the candidates
    timed in the group (the results of one problem with the same times.ppa_ms). With one
    design per problem (the default, RTLR_PPACOST_K=1), each group here holds one candidate;
    RTLR_PPACOST_K=k sends k differently renamed copies of each design per round (groups of k
    on the after side, k single runs on the before side).
  - both: "CPU" = the server process's CPU time including its reaped tool children (Yosys,
    OpenSTA, Icarus, Verilator: bench_group.Srv.cpu_s) over the round, divided by the
    candidates that passed the function tier. It counts every tier, not only PPA; the
    function-tier work is the same on both sides when K = 1 (one candidate per problem: groups
    of one either way).
  Reported: p50/p90/max of those per-candidate wall figures (over the passing candidates
  whose PPA ran: those of a problem whose golden does not synthesize or is over
  --ppa-golden-max-s, "not scored", are left out), the CPU per passing candidate, the
  ratios after/before, how many passing candidates have ppa.checked false and why, and how
  many say ppa.reused_design (0 expected: every design is new).

Part 2, hierarchical throughput, the comparison bench_group.py makes (server with the
hierarchical preset vs the peer baseline ../shared/bench/peer_baseline.py on the same
candidates, target >= 2x; vs the server's own `--ppa 0` throughput, target >= 60 %), on two
candidate sets built from the same RTLR_PPACOST_P problems (spread evenly over part 1's, whose
goldens are warm: with the defaults every 7th of the first 60) per round:
  - distinct: bench_group.unique_set() with each candidate passed through distinct() with its
    own suffix, so every
    passing candidate (the renamed references, the passing mutants) is a different design after
    its unused modules are removed: the memo cannot help;
  - unique_set: bench_group.unique_set() as is (6 of the 16 per problem are the reference plus a
    different unused module: one design for the memo).
The hierarchical server is part 1's "after" server (warm, its goldens computed), the `--ppa 0`
server is warmed before timing (preset pass_rate, as bench_group.py does), the peer runs the
same candidates with a process pool over the cores. Candidates/s = candidates / wall time of
the request (server) or of the pool (peer).

Exit 0 whatever the ratios (targets are reported, not enforced here); 1 on a crash or on any
INFRA_ERROR result. Skips (exit 0) when $SHARED's VerilogEval data or the peer is absent.

Environment: RTLR_SERVER, SHARED, RTLR_PPACOST_N (60), RTLR_PPACOST_ROUNDS (2, part 1 rounds
per side), RTLR_PPACOST_K (1, renamed copies of each design per round), RTLR_PPACOST_P (8, part 2
problems), RTLR_PPACOST_ROUNDS2 (1, part 2 rounds),
RTLR_GROUP_WORKERS (server --workers and peer pool, default the core count).

    RTLR_BENCH=ppa_cost make bench SHARED=/work/shared
"""
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_group as bg  # noqa: E402

N = int(os.environ.get("RTLR_PPACOST_N", "60"))
ROUNDS = int(os.environ.get("RTLR_PPACOST_ROUNDS", "2"))
P2 = int(os.environ.get("RTLR_PPACOST_P", "8"))
ROUNDS2 = int(os.environ.get("RTLR_PPACOST_ROUNDS2", "1"))
K = int(os.environ.get("RTLR_PPACOST_K", "1"))
MODE, PRESET = "equivalence", "hierarchical"
# the server's previous path: no groups, no coalescing, no PPA memo
BEFORE_ARGS = ["--group-max", "1", "--coalesce-ms", "0", "--ppa-memo", "0"]

# IEEE 1800-2017 keywords (Annex B) and the built-in names a rename must not touch
KEYWORDS = set("""
accept_on alias always always_comb always_ff always_latch and assert assign assume automatic
before begin bind bins binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle
checker class clocking cmos config const constraint context continue cover covergroup
coverpoint cross deassign default defparam design disable dist do edge else end endcase
endchecker endclass endclocking endconfig endfunction endgenerate endgroup endinterface
endmodule endpackage endprimitive endprogram endproperty endspecify endsequence endtable endtask
enum event eventually expect export extends extern final first_match for force foreach forever
fork forkjoin function generate genvar global highz0 highz1 if iff ifnone ignore_bins
illegal_bins implements implies import incdir include initial inout input inside instance int
integer interconnect interface intersect join join_any join_none large let liblist library
local localparam logic longint macromodule matches medium modport module nand negedge nettype
new nexttime nmos nor noshowcancelled not notif0 notif1 null or output package packed parameter
pmos posedge primitive priority program property protected pull0 pull1 pulldown pullup
pulsestyle_ondetect pulsestyle_onevent pure rand randc randcase randsequence rcmos real
realtime ref reg reject_on release repeat restrict return rnmos rpmos rtran rtranif0 rtranif1
s_always s_eventually s_nexttime s_until s_until_with scalared sequence shortint shortreal
showcancelled signed small soft solve specify specparam static string strong strong0 strong1
struct super supply0 supply1 sync_accept_on sync_reject_on table tagged task this throughout
time timeprecision timeunit tran tranif0 tranif1 tri tri0 tri1 triand trior trireg type typedef
union unique unique0 unsigned until until_with untyped use uwire var vectored virtual void wait
wait_order wand weak weak0 weak1 while wildcard wire with within wor xnor xor
""".split())

_TOKEN = re.compile(r"""
    (?P<skip>//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|`\w+[^\n]*|\$[\w$]+|\\\S+
        |\d[\d_]*\s*'[sS]?[bBoOdDhH]\s*[\w?]+|'[sS]?[bBoOdDhH]\s*[\w?]+|'[xXzZ]\b
        |\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)
    |(?P<id>[A-Za-z_][\w$]*)
    """, re.S | re.X)


def _ids(text):
    return [m.group("id") for m in _TOKEN.finditer(text) if m.group("id")]


def rename(code, suffix, top="TopModule"):
    """Every identifier of `code` that is not a keyword, not in the header of `top` (its name,
    ports and header parameters) gets `suffix` appended, everywhere (declarations, uses, enum
    values, named blocks: one consistent mapping). Comments, strings, directives, system
    names ($bits), escaped identifiers and number literals (8'hFF, 'x, 1e3) are left as they are."""
    m = re.search(r"\bmodule\s+%s\b[^;]*;" % top, code)
    keep = KEYWORDS | set(_ids(m.group(0) if m else ""))

    def sub(t):
        name = t.group("id")
        if not name or name in keep:
            return t.group(0)
        return name + suffix
    return _TOKEN.sub(sub, code)


def distinct(code, suffix, top="TopModule"):
    """rename(), plus an unused localparam named with `suffix` right after the header of `top`:
    102 of the 149 references have no internal identifier (ports only), and the parameter makes
    their text differ too (Yosys drops it; the design's cost is the same)."""
    code = rename(code, suffix, top)
    m = re.search(r"\bmodule\s+%s\b[^;]*;" % top, code)
    if not m:
        return code
    return code[:m.end()] + "\n  localparam RTLR_SALT%s = 0;" % suffix + code[m.end():]


def ref(p):
    return open(os.path.join(bg.VEVAL, p + "_ref.sv")).read().replace("RefModule", "TopModule")


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def passing(res):
    return [x for x in res if x["status"] == "OK" and x["function"]["passed"]]


def per_cand_ms(res, grouped):
    """Per passing candidate PPA wall: its times.ppa_ms (before), or its group's times.ppa_ms
    divided by the candidates of that group (after: same problem, same times.ppa_ms)."""
    ran = [x for x in passing(res) if not x.get("ppa_deferred") and
           not x["ppa"]["reason"].startswith("not scored")]  # golden refused or disabled
    if not grouped:
        return [x["times"]["ppa_ms"] for x in ran]
    groups = collections.Counter((x["problem"], x["times"]["ppa_ms"]) for x in ran)
    return [x["times"]["ppa_ms"] / groups[(x["problem"], x["times"]["ppa_ms"])] for x in ran]


class Side:
    def __init__(self, name, extra):
        self.name, self.ms, self.cpu, self.wall, self.npass = name, [], 0.0, 0.0, 0
        self.unchecked, self.reused, self.infra = collections.Counter(), 0, []
        self.srv = bg.Srv(extra)

    def round(self, items, grouped):
        c0, t0 = self.srv.cpu_s(), time.time()
        res = self.srv.score(items, mode=MODE, preset=PRESET)
        self.wall += time.time() - t0
        self.cpu += self.srv.cpu_s() - c0
        self.infra += [x for x in res if x["status"] != "OK"]
        ok = passing(res)
        self.npass += len(ok)
        self.ms += per_cand_ms(res, grouped)
        for x in ok:
            if not x["ppa"]["checked"]:
                self.unchecked["%s: %s" % (x["problem"], x["ppa"]["reason"][:110])] += 1
            self.reused += bool(x["ppa"].get("reused_design"))
        return res

    def line(self):
        return "p50 %.0f p90 %.0f max %.0f ms (CPU %.0f ms/cand)" % (
            pct(self.ms, 0.5), pct(self.ms, 0.9), max(self.ms or [float("nan")]),
            1000.0 * self.cpu / max(1, self.npass))


def warm_golden(s, probs):
    """The problems prepared and their goldens' PPA computed (each reference scored once)."""
    bg.warm(s, probs, mode=MODE, preset=PRESET)
    s.score([(p, ref(p) + "\nmodule W; endmodule\n") for p in probs], mode=MODE, preset=PRESET)


def part1(probs):
    before = after = None
    try:
        before, after = Side("before", BEFORE_ARGS), Side("after", ())
        t0 = time.time()
        for side in (before, after):
            warm_golden(side.srv, probs)
        print("part 1: %d designs, %d rounds per side; goldens warmed in %.0f s; before = %s, "
              "after = the defaults" % (len(probs), ROUNDS, time.time() - t0,
                                        " ".join(BEFORE_ARGS)), flush=True)
        failed = set()
        for r in range(ROUNDS):
            items = [(p, distinct(ref(p), "_r%dk%d" % (r, k)) +
                      "\nmodule Salt_r%dk%d; endmodule\n" % (r, k))
                     for k in range(K) for p in probs]
            for side in (before, after):
                res = side.round(items, side is after)
                failed |= {x["problem"] for x in res
                           if x["status"] == "OK" and not x["function"]["passed"]}
        print("ppa per passing candidate, %d designs x %d copies x %d rounds (%d / %d "
              "passing): before (times.ppa_ms: its own yosys + netlist check + opensta, "
              "wall) %s; after (group ppa wall / candidates timed in the group) %s; ratio "
              "after/before p50 %.2f, CPU %.2f. CPU = server process + tool children, all "
              "tiers, per passing candidate" %
              (len(probs), K, ROUNDS, before.npass, after.npass, before.line(), after.line(),
               pct(after.ms, 0.5) / pct(before.ms, 0.5),
               (after.cpu / max(1, after.npass)) / (before.cpu / max(1, before.npass))))
        print("  wall per round: before %.1f s, after %.1f s" % (before.wall / ROUNDS,
                                                                after.wall / ROUNDS))
        if failed:
            print("  renamed references that failed the function tier (a rename defect): %s" %
                  " ".join(sorted(failed)))
        for side in (before, after):
            print("  %s: %d INFRA_ERROR, %d reused_design, ppa.checked false: %s" % (
                side.name, len(side.infra), side.reused,
                "; ".join("%s (x%d)" % kv for kv in sorted(side.unchecked.items())) or "none"))
            for x in side.infra[:3]:
                print("    INFRA_ERROR %s: %s" % (x.get("problem"), x.get("error", "")[:200]))
        infra = len(before.infra) + len(after.infra)
        before.srv.stop()
        before = None
        return after, infra
    except BaseException:
        if after:
            after.srv.stop()
        raise
    finally:
        if before:
            before.srv.stop()


def distinct_set(peer, probs, salt):
    return [(p, distinct(c, "_%s_%d" % (salt, i)))
            for i, (p, c) in enumerate(bg.unique_set(peer, probs, salt))]


def part2(peer, hier, probs, warmed):
    ppa0 = bg.Srv(("--ppa", "0"))
    infra = 0
    try:
        bg.warm(ppa0, probs, mode=MODE, preset="pass_rate")
        cold = [p for p in probs if p not in warmed]
        if cold:
            warm_golden(hier.srv, cold)
        acc = {k: collections.Counter() for k in ("distinct", "unique_set")}
        for r in range(ROUNDS2):
            for name in ("distinct", "unique_set"):
                salt = "c%s%d" % (name[0], r)
                items = (distinct_set if name == "distinct" else bg.unique_set)(peer, probs, salt)
                a = acc[name]
                a["n"] += len(items)
                c0, t0 = hier.srv.cpu_s(), time.time()
                res = hier.srv.score(items, mode=MODE, preset=PRESET)
                a["t_hier"] += time.time() - t0
                a["cpu"] += hier.srv.cpu_s() - c0
                a["infra"] += sum(1 for x in res if x["status"] != "OK")
                ok = passing(res)
                a["pass"] += len(ok)
                a["reused"] += sum(1 for x in ok if x["ppa"].get("reused_design"))
                a["designs"] += len({(x["problem"], re.sub(r"\s+", " ", strip_unused(x, items)))
                                     for x in ok})
                t0 = time.time()
                res0 = ppa0.score(items, mode=MODE, preset="pass_rate")
                a["t_ppa0"] += time.time() - t0
                a["infra"] += sum(1 for x in res0 if x["status"] != "OK")
                a["t_peer"] += peer.run(bg.VEVAL, items, bg.WORKERS)[1]
        for name, a in acc.items():
            infra += a["infra"]
            n = a["n"]
            print("hierarchical throughput, %s set (%d candidates: %d problems x <=16, %d "
                  "round(s); %d passing, %d distinct passing designs, %d reused_design): server "
                  "%.1f cand/s (CPU %.2f cores), peer %.1f cand/s, ratio %.2fx (target >= 2x: "
                  "%s); server --ppa 0 %.1f cand/s: %.0f%% of it (target >= 60%%: %s); %d "
                  "INFRA_ERROR" %
                  (name, n, len(probs), ROUNDS2, a["pass"], a["designs"], a["reused"],
                   n / a["t_hier"], a["cpu"] / a["t_hier"], n / a["t_peer"],
                   a["t_peer"] / a["t_hier"], "met" if a["t_peer"] / a["t_hier"] >= 2 else "MISSED",
                   n / a["t_ppa0"], 100.0 * a["t_ppa0"] / a["t_hier"],
                   "met" if a["t_ppa0"] / a["t_hier"] >= 0.6 else "MISSED", a["infra"]))
    finally:
        ppa0.stop()
    return infra


def strip_unused(x, items):
    """The candidate's text without its trailing unused modules (the ones these sets add), to
    count the distinct designs among the passing candidates."""
    code = items[x["index"]][1]
    return re.sub(r"\nmodule (?:Pad|Mut)_\w+; endmodule\n", "\n", code)


def main():
    if not os.path.isdir(bg.VEVAL) or not os.path.exists(os.path.join(bg.PEER, "peer_baseline.py")):
        print("skip: %s or the peer baseline (%s) is absent (set SHARED)" % (bg.VEVAL, bg.PEER))
        return 0
    peer = bg.load_peer()
    probs = peer.problems(bg.VEVAL, N)
    # part 2: P2 problems spread over part 1's (their goldens are warm), not the first P2
    # (Prob001..008 are one-line designs)
    probs2 = probs[::max(1, len(probs) // max(1, P2))][:P2] if P2 <= len(probs) else \
        peer.problems(bg.VEVAL, P2)
    print("load at start: %s" % open("/proc/loadavg").read().strip(), flush=True)
    t0 = time.time()
    after, infra = part1(probs)
    try:
        print("part 1 took %.0f s" % (time.time() - t0), flush=True)
        infra += part2(peer, after, probs2, set(probs))
    finally:
        after.srv.stop()
    print("load at end: %s (%.0f s)" % (open("/proc/loadavg").read().strip(), time.time() - t0))
    return 1 if infra else 0


if __name__ == "__main__":
    sys.exit(main())
