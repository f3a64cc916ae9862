#!/usr/bin/env python3
"""Does an unused module change what Yosys maps? (docs/ppa.md#same-design)

The reason the PPA tier blanks the modules a candidate's top never instantiates: with the
server's flow (bench_ppa_flows.py's "current" script, the reduced bundled library) each
VerilogEval v2 reference is synthesized alone and with unused modules added (one after the top;
one before and one after; a leading blank line only), and the cell statistics (`stat`) compared
(a design Yosys refuses counts as "refused" either way). Yosys runs directly, unsandboxed: this is an oracle outside the server.

    python3 bench/bench_ppa_unused.py [--limit N]
"""
import argparse
import concurrent.futures as cf
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_ppa_flows as F  # noqa: E402

BEFORE = "module Pad_before(input x, output y); assign y = ~x; endmodule\n"
AFTER = "\nmodule Pad_after(input [3:0] q, output r); wire [3:0] z = q + 1; assign r = ^z; endmodule\n"
VARIANTS = {"after": ("", AFTER), "before+after": (BEFORE, AFTER), "blank line": ("\n", "")}


def outcome(tmp, text, top):
    stat, _ = F.run_flow(tmp, "current", "", text, top, 60)
    return "refused" if stat is None else stat.split("===", 1)[-1]


def one(args):
    base, name, text, top = args
    res = {}
    for v, (pre, post) in [("alone", ("", ""))] + list(VARIANTS.items()):
        d = os.path.join(base, name.replace("/", "_"), v.replace(" ", "_").replace("+", "_"))
        os.makedirs(d)
        for f in ("seq.lib", "comb.lib"):
            os.symlink(os.path.join(base, f), os.path.join(d, f))
        res[v] = outcome(d, pre + text + post, top)
    return name, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    if not os.path.isdir(F.VEVAL):
        print("skip: %s is absent" % F.VEVAL)
        return 0
    ds = [d for d in F.designs(a.limit) if not d[0].startswith(("rewrite/", "ppa/"))]
    with tempfile.TemporaryDirectory(prefix="rtlr-unused-") as base:
        F.reduced_libs(base)
        diff = {v: [] for v in VARIANTS}
        with cf.ThreadPoolExecutor(os.cpu_count() or 2) as ex:
            for name, res in ex.map(one, [(base, n, t, top) for n, t, top in ds]):
                for v in VARIANTS:
                    if res[v] != res["alone"]:
                        diff[v].append(name)
    print("load: %s" % open("/proc/loadavg").read().strip())
    for v in VARIANTS:
        names = " ".join(diff[v][:8]) + (" ..." if len(diff[v]) > 8 else "")
        print("unused module(s) %-13s: %d of %d references synthesize to other cells than "
              "alone%s" % (v, len(diff[v]), len(ds), ": " + names if diff[v] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
