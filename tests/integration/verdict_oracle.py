"""An oracle for the verdict corpus (tests/data/verdicts/), independent of the server's harness.

For each problem, meta.json lists the golden's ports, its clocks with their periods, its resets
with explicit assertion windows, directed values per input and pairs of inputs to make equal
now and then. The oracle writes its own Icarus testbench from that (nothing of the server's
harness code: another author, another stimulus, a longer run), runs golden and variant side
by side and applies VerilogEval's X rule: an X in the golden is a don't-care, an X from the
variant matches only X. Its verdict decides what the corpus expects, and the test checks that
the corpus' own labels (pass_*/fail_* and meta.json) agree with it before scoring anything.

Timing: time advances in unit steps. Clock k toggles every `period` units (meta.json gives
the half period, in oracle units) from offset k; inputs and resets change only at steps three or more units away from every clock
edge, and outputs are compared only at such steps, two or more units after the last input change (so `#1` delays
settle and no sample races a clock edge).
"""
import json
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "data", "verdicts")


def problems():
    return sorted(d for d in os.listdir(CORPUS) if os.path.isdir(os.path.join(CORPUS, d)))


def load(name):
    d = os.path.join(CORPUS, name)
    meta = json.load(open(os.path.join(d, "meta.json")))
    ref = open(os.path.join(d, "reference.v")).read()
    variants = {}
    for f, want in meta["variants"].items():
        assert f.startswith(want + "_"), "%s/%s: label %r does not match the file name" % (name, f, want)
        variants[f] = (open(os.path.join(d, f)).read(), want)
    # the golden itself, renamed as the candidate's top, must pass
    variants["golden"] = (re.sub(r"\bRefModule\b", "TopModule", ref), "pass")
    return meta, ref, variants


def _rand_expr(width):
    parts = ["$random(seed)"] * ((width + 31) // 32)
    return "{%s}" % ", ".join(parts) if len(parts) > 1 else parts[0]


def testbench(meta):
    ins = [p for p in meta["ports"] if p[0] == "in"]
    outs = [p for p in meta["ports"] if p[0] == "out"]
    clocks = meta["clocks"]
    resets = {r["name"]: r for r in meta["resets"]}
    data = [p for p in ins if p[1] not in clocks and p[1] not in resets]
    o = ["module oracle_tb;", "  integer seed, t, last, pick, bad, samples;"]
    for _, n, w in meta["ports"]:
        rng = "[%d:0] " % (w - 1) if w > 1 else ""
        if _ == "in":
            o.append("  reg %s%s;" % (rng, n))
        else:
            o.append("  wire %sg_%s;\n  wire %sc_%s;" % (rng, n, rng, n))
    conns = lambda side: ", ".join(
        ".%s(%s)" % (n, n if d == "in" else "%s_%s" % (side, n)) for d, n, _ in meta["ports"])
    o.append("  RefModule gold (%s);" % conns("g"))
    o.append("  TopModule dut (%s);" % conns("c"))
    for k, (n, period) in enumerate(sorted(clocks.items())):
        o.append("  initial begin %s = 0; #%d; forever #%d %s = ~%s; end" % (n, k, period, n, n))
    far = " && ".join("(((t - %d) %% %d) >= 3) && (((t - %d) %% %d) <= %d)" % (
        k, period, k, period, period - 3)
        for k, (n, period) in enumerate(sorted(clocks.items()))) or "1"
    o.append("  function is_far(input integer tt); integer t; begin t = tt; is_far = %s; end endfunction" % far)
    o.append("  task compare; begin samples = samples + 1;")
    for _, n, w in outs:
        o.append("    if (g_%s !== (g_%s ^ c_%s ^ g_%s)) begin"
                 " if (bad == 0) $display(\"ORACLE first %%0d %s %%h %%h\", t, g_%s, c_%s);"
                 " bad = bad + 1; end" % (n, n, n, n, n, n, n))
    o.append("  end endtask")
    o.append("  task drive; begin")
    for n, r in resets.items():
        cond = " || ".join("(t >= %d && t < %d)" % (a, b) for a, b in r["at"]) or "0"
        on, off = ("1'b0", "1'b1") if r["active_low"] else ("1'b1", "1'b0")
        o.append("    %s = (%s) ? %s : %s;" % (n, cond, on, off))
    for _, n, w in data:
        o.append("    if ($random(seed) & 1) begin")
        o.append("      %s = %s;" % (n, _rand_expr(w)))
        dv = meta["directed"].get(n, [])
        if dv:
            o.append("      pick = $random(seed) & 32'h7fffffff;")
            o.append("      if (pick %% 4 == 0) case ((pick / 4) %% %d)" % len(dv))
            for i, v in enumerate(dv):
                o.append("        %d: %s = %s;" % (i, n, v))
            o.append("      endcase")
        o.append("    end")
    for a, b in meta.get("equal", []):
        o.append("    if (($random(seed) & 7) == 0) %s = %s;" % (b, a))
    o.append("  end endtask")
    o.append("  initial begin")
    o.append("    seed = 12345; t = 0; last = 0; bad = 0; samples = 0;")
    o.append("    drive;")
    o.append("    while (t < %d) begin" % meta["time"])
    o.append("      #1 t = t + 1;")
    o.append("      if (is_far(t)) begin")
    o.append("        if (t - last >= 2) compare;")
    o.append("        if (t - last >= 3) begin drive; last = t; end")
    o.append("      end")
    o.append("    end")
    o.append("    $display(\"ORACLE done %0d %0d\", samples, bad);")
    o.append("    $finish;")
    o.append("  end")
    o.append("endmodule")
    return "\n".join(o) + "\n"


def run(meta, ref, cand, timeout=120):
    """Returns ('pass'|'fail', first mismatch line or '')."""
    with tempfile.TemporaryDirectory(prefix="rtlr-oracle-") as d:
        for name, text in (("tb.v", testbench(meta)), ("ref.v", ref), ("cand.v", cand)):
            open(os.path.join(d, name), "w").write(text)
        c = subprocess.run(["iverilog", "-g2012", "-o", "sim", "tb.v", "ref.v", "cand.v"], cwd=d,
                           capture_output=True, text=True, timeout=timeout)
        if c.returncode:
            raise RuntimeError("oracle compile failed: " + c.stderr)
        r = subprocess.run(["vvp", "-n", "sim"], cwd=d, capture_output=True, text=True,
                           timeout=timeout)
        m = re.search(r"ORACLE done (\d+) (\d+)", r.stdout)
        if not m or int(m.group(1)) == 0:
            raise RuntimeError("oracle run incomplete: " + r.stdout[-2000:] + r.stderr[-2000:])
        first = re.search(r"ORACLE first .*", r.stdout)
        return ("fail" if int(m.group(2)) else "pass"), (first.group(0) if first else "")
