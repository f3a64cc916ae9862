"""Clocks and resets classified from the golden's design (reward/clkrst.c, docs/clocks_resets.md).

Five problems of our own, registered over POST /v1/problems, whose reset the name-based
detection got wrong: synchronous `rstb`, `resetb`, `rst_ni` (taken as active high, so the
golden was held in reset the whole run and anything passed), an asynchronous set `aset` and an
oddly named asynchronous clear `clear` with a clock `ck` (both taken for clocks, so the data path
was never observed). For each: GET shows what was detected; mutants (data path wrong, reset
value wrong, reset polarity wrong) FAIL and rewrites PASS under engine icarus and verilator.

Every expectation is first confirmed outside the server by our own Icarus testbench (the
oracle, run by the test): reset held for 3 cycles at its true level, then random inputs for 300
cycles with one more reset pulse in the middle (between clock edges for the async ones),
outputs compared with !== before every input change.

Measured on the code before reward/clkrst.c (name-based detection, commit 0c8bd7c, run as
RTLR_SERVER=<old build> RTLR_ONLY=test_clkrst): test_clkrst_verdicts FAILS with 4 false passes
(icarus: aset "subtracts", rst_ni "enable ignored", rstb "xor instead of add"; verilator: aset
"subtracts") and 3 false fails (verilator: the rewrites of resetb, rst_ni, rstb, "3 of 404
samples mismatch"), and test_clkrst_detection_shown fails (aset listed as a clock). With
reward/clkrst.c every verdict matches the oracle."""
import os
import random
import re
import shutil
import tempfile

import harness
from harness import fence

# id: (reference, ports [(name, dir, width)], clock, reset, reset active level, async,
#      expected detection {reset fields}, mutants {label: text}, rewrites {label: text})
PROBLEMS = {
    "clkrst_rstb": dict(
        ref="""module dut(input clk, input rstb, input [7:0] d, output reg [7:0] acc);
  always @(posedge clk)
    if (!rstb) acc <= 8'd0;
    else acc <= acc + d;
endmodule
""",
        ports=[("clk", "in", 1), ("rstb", "in", 1), ("d", "in", 8), ("acc", "out", 8)],
        clock="clk", reset="rstb", level=0, is_async=False,
        want=dict(name="rstb", active_low=True, async_=False, kind="reset", detected_by="sync-use"),
        mutants={
            "xor instead of add": ("acc <= acc + d;", "acc <= acc ^ d;"),
            "reset value 1": ("acc <= 8'd0;", "acc <= 8'd1;"),
            "reset active high": ("if (!rstb)", "if (rstb)"),
        },
        rewrites={
            "ternary": """module dut(input clk, input rstb, input [7:0] d, output reg [7:0] acc);
  always @(posedge clk) acc <= rstb ? acc + d : 8'h00;
endmodule
""",
        }),
    "clkrst_resetb": dict(
        ref="""module dut(input clk, input resetb, input din, output [7:0] q);
  reg [7:0] sr;
  always @(posedge clk)
    if (!resetb) sr <= 8'h00;
    else sr <= {sr[6:0], din};
  assign q = sr;
endmodule
""",
        ports=[("clk", "in", 1), ("resetb", "in", 1), ("din", "in", 1), ("q", "out", 8)],
        clock="clk", reset="resetb", level=0, is_async=False,
        want=dict(name="resetb", active_low=True, async_=False, kind="reset", detected_by="sync-use"),
        mutants={
            "shifts the other way": ("sr <= {sr[6:0], din};", "sr <= {din, sr[7:1]};"),
            "reset value a5": ("sr <= 8'h00;", "sr <= 8'ha5;"),
        },
        rewrites={
            "last assignment wins": """module dut(input clk, input resetb, input din, output reg [7:0] q);
  always @(posedge clk) begin
    q <= q << 1;
    q[0] <= din;
    if (~resetb) q <= 8'd0;
  end
endmodule
""",
        }),
    "clkrst_rst_ni": dict(
        ref="""module dut(input clk_i, input rst_ni, input en, output reg [3:0] cnt);
  always @(posedge clk_i)
    if (!rst_ni) cnt <= 4'd0;
    else if (en) cnt <= cnt + 4'd1;
endmodule
""",
        ports=[("clk_i", "in", 1), ("rst_ni", "in", 1), ("en", "in", 1), ("cnt", "out", 4)],
        clock="clk_i", reset="rst_ni", level=0, is_async=False,
        want=dict(name="rst_ni", active_low=True, async_=False, kind="reset", detected_by="sync-use"),
        mutants={
            "enable ignored": ("else if (en) cnt <= cnt + 4'd1;", "else cnt <= cnt + 4'd1;"),
            "reset value 15": ("cnt <= 4'd0;", "cnt <= 4'd15;"),
        },
        rewrites={
            "adds the enable": """module dut(input clk_i, input rst_ni, input en, output reg [3:0] cnt);
  always @(posedge clk_i) cnt <= rst_ni ? cnt + {3'b000, en} : 4'd0;
endmodule
""",
        }),
    "clkrst_aset": dict(
        ref="""module dut(input clk, input aset, input [7:0] d, output reg [7:0] q);
  always @(posedge clk or posedge aset)
    if (aset) q <= 8'hff;
    else q <= q + d;
endmodule
""",
        ports=[("clk", "in", 1), ("aset", "in", 1), ("d", "in", 8), ("q", "out", 8)],
        clock="clk", reset="aset", level=1, is_async=True,
        want=dict(name="aset", active_low=False, async_=True, kind="set", detected_by="async-use"),
        mutants={
            "subtracts": ("else q <= q + d;", "else q <= q - d;"),
            "clears instead of sets": ("if (aset) q <= 8'hff;", "if (aset) q <= 8'h00;"),
        },
        rewrites={
            "replication, comma list": """module dut(input clk, input aset, input [7:0] d, output reg [7:0] q);
  always @(posedge clk, posedge aset) begin
    if (aset == 1'b1) q <= {8{1'b1}};
    else q <= d + q;
  end
endmodule
""",
        }),
    "clkrst_clear": dict(
        ref="""module dut(input ck, input clear, input [2:0] step, output reg [3:0] q);
  always @(posedge ck or negedge clear)
    if (!clear) q <= 4'd0;
    else q <= q + {1'b0, step};
endmodule
""",
        ports=[("ck", "in", 1), ("clear", "in", 1), ("step", "in", 3), ("q", "out", 4)],
        clock="ck", reset="clear", level=0, is_async=True,
        want=dict(name="clear", active_low=True, async_=True, kind="reset", detected_by="async-use"),
        mutants={
            "step ignored": ("else q <= q + {1'b0, step};", "else q <= q + 4'd1;"),
            "clear value 5": ("if (!clear) q <= 4'd0;", "if (!clear) q <= 4'd5;"),
        },
        rewrites={
            "edges swapped, test inverted": """module dut(input ck, input clear, input [2:0] step, output reg [3:0] q);
  always @(negedge clear or posedge ck)
    if (clear) q <= step + q;
    else q <= 0;
endmodule
""",
        }),
}


def _mutant(ref, old, new):
    assert ref.count(old) == 1, (old, ref)
    return ref.replace(old, new)


def _candidates(pid):
    p = PROBLEMS[pid]
    out = [("mutant: " + k, _mutant(p["ref"], *v), False) for k, v in sorted(p["mutants"].items())]
    out += [("rewrite: " + k, v, True) for k, v in sorted(p["rewrites"].items())]
    return out


def _oracle_tb(p, ncand, seed):
    """Our own testbench: golden `gold` against cand0..cand{n-1}; prints MISMATCH <k> per
    candidate that ever differs, then DONE."""
    ins = [(n, w) for n, d, w in p["ports"] if d == "in" and n not in (p["clock"], p["reset"])]
    outs = [(n, w) for n, d, w in p["ports"] if d == "out"]
    clk, rst, act = p["clock"], p["reset"], p["level"]
    decl = ["reg %s = 0;" % clk, "reg %s = %d;" % (rst, act)]
    decl += ["reg [%d:0] %s = 0;" % (w - 1, n) for n, w in ins]
    conns = ", ".join(".%s(%s)" % (n, n) for n, _, _ in p["ports"] if n not in dict(outs))
    lines = ["`timescale 1ns/1ns", "module tb;"] + ["  " + d for d in decl]
    for k in range(-1, ncand):
        tag = "g" if k < 0 else "c%d" % k
        mod = "gold" if k < 0 else "cand%d" % k
        lines += ["  wire [%d:0] %s_%s;" % (w - 1, tag, n) for n, w in outs]
        lines.append("  %s u_%s(%s, %s);" % (mod, tag, conns,
                                              ", ".join(".%s(%s_%s)" % (n, tag, n) for n, _ in outs)))
    lines.append("  reg [%d:0] bad = 0; integer i; integer seed = %d;" % (max(ncand - 1, 0), seed))
    lines.append("  always #5 %s = ~%s;" % (clk, clk))
    lines.append("  initial begin")
    lines.append("    repeat (3) @(negedge %s);" % clk)
    lines.append("    %s = %d;" % (rst, 1 - act))
    lines.append("    for (i = 0; i < 300; i = i + 1) begin")
    lines.append("      @(negedge %s);" % clk)
    for k in range(ncand):
        cmp = " || ".join("c%d_%s !== g_%s" % (k, n, n) for n, _ in outs)
        lines.append("      if (%s) bad[%d] = 1;" % (cmp, k))
    for n, w in ins:
        lines.append("      %s = $random(seed);" % n)
    # one reset pulse in the middle; the async ones change 2ns after the negedge
    lines.append("      if (i == 150) begin #2 %s = %d; end" % (rst, act))
    lines.append("      if (i == 152) begin #2 %s = %d; end" % (rst, 1 - act))
    lines.append("    end")
    for k in range(ncand):
        lines.append("    if (bad[%d]) $display(\"MISMATCH %d\");" % (k, k))
    lines.append("    $display(\"DONE\"); $finish;")
    lines.append("  end")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def _oracle(pid):
    """{candidate label: passes} from our own Icarus testbench."""
    p = PROBLEMS[pid]
    cands = _candidates(pid)
    srcs = [re.sub(r"\bdut\b", "gold", p["ref"])]
    srcs += [re.sub(r"\bdut\b", "cand%d" % k, c[1]) for k, c in enumerate(cands)]
    d = tempfile.mkdtemp(prefix="clkrst-oracle-")
    try:
        with open(os.path.join(d, "tb.v"), "w") as f:
            f.write("\n".join(srcs) + _oracle_tb(p, len(cands), 7))
        rc, out, err = harness.run_tools(["iverilog", "-g2012", "-o", "sim", "tb.v"], d, 60)
        assert rc == 0, err
        rc, out, err = harness.run_tools(["vvp", "-n", "sim"], d, 60)
        assert rc == 0 and "DONE" in out, (out, err)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    bad = {int(m) for m in re.findall(r"MISMATCH (\d+)", out)}
    return {c[0]: k not in bad for k, c in enumerate(cands)}


def _register(s, pid):
    p = PROBLEMS[pid]
    st, body = s.json("POST", "/v1/problems", {"id": pid, "reference": p["ref"], "top": "dut"})
    assert st == 201, (st, body)
    return body


def test_clkrst_detection_shown(s):
    for pid, p in sorted(PROBLEMS.items()):
        posted = _register(s, pid)
        st, got = s.json("GET", "/v1/problems/" + pid)
        assert st == 200, got
        for body in (posted, got):
            assert body["clocks"] == [p["clock"]], (pid, body["clocks"])
            cs = body["clock_specs"]
            assert [(c["name"], c["edge"], c["detected_by"]) for c in cs] == [(p["clock"], "posedge", "edge")], cs
            assert "not read in its body" in cs[0]["why"], cs
            assert len(body["resets"]) == 1, (pid, body["resets"])
            r, w = body["resets"][0], p["want"]
            assert (r["name"], r["active_low"], r["async"], r["kind"], r["detected_by"]) == (
                w["name"], w["active_low"], w["async_"], w["kind"], w["detected_by"]), (pid, r)
            assert r["why"], r


def test_clkrst_verdicts(s):
    for pid in sorted(PROBLEMS):
        _register(s, pid)
    oracle = {pid: _oracle(pid) for pid in sorted(PROBLEMS)}
    for pid, labels in oracle.items():
        for label, passes in labels.items():
            assert passes == label.startswith("rewrite"), \
                "our own testbench disagrees with the label: %s %s" % (pid, label)
    items, meta = [], []
    for pid in sorted(PROBLEMS):
        for label, text, _ in _candidates(pid):
            items.append((pid, fence(text)))
            meta.append((pid, label, oracle[pid][label]))
    wrong = []
    for engine in ("icarus", "verilator"):
        res = s.score(items, engine=engine, no_cache=True)
        for (pid, label, want), r in zip(meta, res):
            f = r["function"]
            ok = r["status"] == "OK" and f["checked"] and (
                f["passed"] and f["pass_rate"] == 1.0 if want else not f["passed"] and f["pass_rate"] < 1)
            if not ok:
                wrong.append((engine, pid, label, "want pass" if want else "want fail",
                              r["status"], r["error"][:100], f["passed"], f["pass_rate"], f["reason"][:200]))
    assert not wrong, "\n".join(map(str, wrong))


# More goldens for the Yosys cross-check: (id, source, expected clocks, expected resets as
# (name, active_low, async, kind)).
EXTRA = [
    ("clkrst_x_init", """module dut(input tick, input init, input [2:0] d, output reg [2:0] q);
  always @(posedge tick or posedge init) begin if (init) q <= 3'b101; else q <= d; end
endmodule
""", [("tick", "posedge")], [("init", False, True, "set")]),
    ("clkrst_x_alias", """module dut(input clk, input rst_n, input d, output reg q);
  wire rst = ~rst_n;
  always @(posedge clk or posedge rst) if (rst) q <= 1'b0; else q <= d;
endmodule
""", [("clk", "posedge")], [("rst_n", True, True, "reset")]),
    ("clkrst_x_hier", """module dff(input c, input r, input d, output reg q);
  always @(posedge c or negedge r) if (!r) q <= 0; else q <= d;
endmodule
module dut(input clk, input rstb, input srst, input d, output q1, output q2);
  dff u1(.c(clk), .r(rstb), .d(d), .q(q1));
  dff u2(.c(clk), .r(~srst), .d(q1), .q(q2));
endmodule
""", [("clk", "posedge")], [("rstb", True, True, "reset"), ("srst", False, True, "reset")]),
    ("clkrst_x_twoclk", """module dut(input clka, input clkb, input cn, input nrst, input d, output reg qa, output reg qb, output reg qn);
  always @(posedge clka) if (!nrst) qa <= 0; else qa <= d;
  always @(posedge clkb) qb <= qa;
  always @(negedge cn) qn <= qb;
endmodule
""", [("clka", "posedge"), ("clkb", "posedge"), ("cn", "negedge")], [("nrst", True, False, "reset")]),
]


FLOPS = ("$dff", "$dffe", "$adff", "$adffe", "$sdff", "$sdffe", "$sdffce", "$aldff", "$aldffe")


def _yosys_view(src, top):
    """Clocks {name: posedge|negedge} and resets {name: (active_low, async, nonzero value)}
    as Yosys 0.23 infers them: proc (async reset inference), flatten, opt_dff (sync resets)."""
    import json
    d = tempfile.mkdtemp(prefix="clkrst-yosys-")
    try:
        with open(os.path.join(d, "g.v"), "w") as f:
            f.write(src)
        rc, out, err = harness.run_tools(
            ["yosys", "-q", "-p", "read_verilog -sv g.v; hierarchy -top %s; proc; flatten; opt_dff; "
             "opt_clean; write_json g.json" % top], d, 60)
        assert rc == 0, err
        with open(os.path.join(d, "g.json")) as f:
            mod = json.load(f)["modules"][top]
    finally:
        shutil.rmtree(d, ignore_errors=True)
    ports = {v["bits"][0]: n for n, v in mod["ports"].items() if v["direction"] == "input"}
    inv = {}
    for c in mod["cells"].values():
        if c["type"] in ("$not", "$logic_not") and len(c["connections"]["A"]) == 1:
            inv[c["connections"]["Y"][0]] = c["connections"]["A"][0]

    def port_of(bit):
        flip = 0
        for _ in range(4):
            if bit in ports:
                return ports[bit], flip
            if bit not in inv:
                break
            bit, flip = inv[bit], flip ^ 1
        return None, 0

    clocks, resets = {}, {}
    for c in mod["cells"].values():
        t, p, conn = c["type"], c["parameters"], c["connections"]
        mem = t in ("$memrd_v2", "$memwr_v2") and "1" in p.get("CLK_ENABLE", "0")
        if t not in FLOPS and not mem:
            continue
        n, f = port_of(conn["CLK"][0])
        edge = "posedge" if int(p["CLK_POLARITY"], 2) ^ f else "negedge"
        clocks[n] = edge if clocks.get(n, edge) == edge else "both"
        for port, kind in (("ARST", True), ("SRST", False)):
            if port in conn and not mem:
                n, f = port_of(conn[port][0])
                pol = int(p[port + "_POLARITY"], 2) ^ f
                resets[n] = (not pol, kind, "1" in p[port + "_VALUE"])
    return clocks, resets


def test_clkrst_yosys_agrees(s):
    """The server's detection equals what Yosys's flip-flop inference finds (async resets from
    proc, sync resets from opt_dff, polarity, set vs reset), on every golden and rewrite here."""
    designs = []
    for pid, p in sorted(PROBLEMS.items()):
        w = p["want"]
        want_r = [(w["name"], w["active_low"], w["async_"], w["kind"])]
        designs.append((pid, p["ref"], [(p["clock"], "posedge")], want_r))
        for k, (_, text) in enumerate(sorted(p["rewrites"].items())):
            designs.append(("%s_rw%d" % (pid, k), text, [(p["clock"], "posedge")], want_r))
    designs += EXTRA
    bad = []
    for pid, src, want_c, want_r in designs:
        st, body = s.json("POST", "/v1/problems", {"id": pid, "reference": src, "top": "dut"})
        assert st == 201, (st, body)
        got_c = [(c["name"], c["edge"]) for c in body["clock_specs"]]
        got_r = [(r["name"], r["active_low"], r["async"], r["kind"]) for r in body["resets"]]
        yc, yr = _yosys_view(src, "dut")
        y_c = sorted(yc.items())
        y_r = sorted((n, lo, a, "set" if nz else "reset") for n, (lo, a, nz) in yr.items())
        if not (got_c == want_c and got_r == want_r and sorted(got_c) == y_c and sorted(got_r) == y_r):
            bad.append((pid, "server", got_c, got_r, "yosys", y_c, y_r, "want", want_c, want_r))
    assert not bad, "\n".join(map(str, bad))


def test_clkrst_given_override(s):
    """Given clocks/resets win over detection and say so; a bad kind is refused."""
    p = PROBLEMS["clkrst_aset"]
    body = {"id": "clkrst_given", "reference": p["ref"], "top": "dut", "clocks": ["clk"],
            "resets": [{"name": "aset", "active_low": False, "async": True, "kind": "set"}]}
    st, got = s.json("POST", "/v1/problems", body)
    assert st == 201, got
    assert [(c["name"], c["detected_by"], c["edge"]) for c in got["clock_specs"]] == [("clk", "given", "posedge")], got
    assert [(r["name"], r["kind"], r["detected_by"], r["why"]) for r in got["resets"]] == [("aset", "set", "given", "")], got
    body["resets"][0]["kind"] = "preset"
    st, err = s.json("POST", "/v1/problems", body)
    assert st == 400 and "resets[0].kind" in err["error"] and err["field"].startswith("resets"), (st, err)
