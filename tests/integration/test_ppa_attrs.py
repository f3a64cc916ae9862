"""PPA on the hardware that was simulated (issue 12, item 3).

Synthesis attributes and pragmas that change what Yosys builds (full_case, parallel_case,
unique/priority case) are stripped before synthesis: a candidate carrying them gets the PPA of
the same design without them, never a bonus. Comment pragmas (synopsys full_case, translate_off)
are refused by the policy. The differences are confirmed outside the server: Yosys + Icarus by
hand, exhaustively. And for every built-in problem's golden and for the stripped attack variants,
the netlist of the server's flow (mapped to the bundled library, simulated with cell models
generated from that library) passes the server's own function tier against the RTL.
"""
import glob
import os
import re
import shutil
import tempfile

from harness import ROOT, fence, read, run_tools

SIMCELLS = "/usr/share/yosys/simcells.v"

# --- designs (the project's own) ----------------------------------------------------------------

MUX3 = """module %(name)s(input [1:0] s, input [3:0] d, output reg y);
  always @(*) begin
    y = 1'b0;
    %(attr)s%(kw)scase (s)%(cmt)s
      2'b00: y = d[0];
      2'b01: y = d[1];
      2'b10: y = d[2];
    endcase
  end
endmodule
"""

PRIO = """module %(name)s(input [3:0] r, output reg [1:0] y);
  always @(*) begin
    y = 2'd0;
    %(attr)s%(kw)scasez (r)%(cmt)s
      4'b1???: y = 2'd3;
      4'b?1??: y = 2'd2;
      4'b??1?: y = 2'd1;
    endcase
  end
endmodule
"""

# translate_off hides the override from synthesis: Yosys builds y = a & b, the simulators a ^ b.
HIDDEN = """module %(name)s(input a, input b, output reg y);
  always @(*) begin
    y = a & b;
    // synopsys translate_off
    y = a ^ b;
    // synopsys translate_on
  end
endmodule
"""
HIDDEN_HONEST = """module %(name)s(input a, input b, output reg y);
  always @(*) y = a ^ b;
endmodule
"""


def mk(tmpl, name="TopModule", attr="", kw="", cmt=""):
    return tmpl % {"name": name, "attr": attr, "kw": kw, "cmt": cmt}


# (label, template, attr, keyword, comment): what Yosys 0.23 honours (checked by hand below)
GAMED = [
    ("full_case", MUX3, "(* full_case *)\n    ", "", ""),
    ("full_parallel", MUX3, "(* full_case, parallel_case *)\n    ", "", ""),
    ("unique", MUX3, "", "unique ", ""),
    ("priority", MUX3, "", "priority ", ""),
    ("parallel_casez", PRIO, "(* parallel_case *) ", "", ""),
    ("unique_casez", PRIO, "", "unique ", ""),
]
PRAGMAS = [
    ("synopsys_comment", mk(MUX3, cmt=" // synopsys full_case parallel_case")),
    ("synopsys_block", mk(PRIO, cmt=" /* synopsys parallel_case */")),
    ("synthesis_comment", mk(MUX3, cmt=" // synthesis full_case")),
    ("translate_off", mk(HIDDEN)),
    ("synthesis_translate", mk(HIDDEN).replace("synopsys", "synthesis")),
]

# --- by hand: Yosys's generic netlist against the RTL, exhaustively, with Icarus --------------


def _netlist_differs(rtl, nbits, tmp):
    """Synthesizes rtl (module TopModule) with plain `synth`, simulates netlist and RTL on all
    2**nbits input values; returns the number of values where their outputs differ."""
    ins = re.search(r"module TopModule\((.*?)\);", rtl, re.S).group(1)
    ports = [(m.group(1), m.group(2) or "", m.group(3))
             for m in re.finditer(r"(input|output reg|output)\s*(\[[^\]]*\])?\s*(\w+)", ins)]
    with open(os.path.join(tmp, "rtl.v"), "w") as f:
        f.write(rtl)
    rc, out, err = run_tools(["yosys", "-q", "-p", "read_verilog -sv rtl.v; synth -flatten "
                              "-top TopModule; rename TopModule NetModule; write_verilog "
                              "-noattr net.v"], tmp, 120)
    assert rc == 0, err[-2000:]
    decl, conn_r, conn_n, invec, outs = [], [], [], [], []
    for d, w, n in ports:
        if d == "input":
            decl.append("reg %s %s;" % (w, n))
            invec.append(n)
            conn_r.append(".%s(%s)" % (n, n))
            conn_n.append(".%s(%s)" % (n, n))
        else:
            decl.append("wire %s %s_r, %s_n;" % (w, n, n))
            conn_r.append(".%s(%s_r)" % (n, n))
            conn_n.append(".%s(%s_n)" % (n, n))
            outs.append(n)
    tb = ("module tb;\n%s\ninteger i, bad;\nTopModule u_rtl(%s);\nNetModule u_net(%s);\n"
          "initial begin bad = 0;\n for (i = 0; i < %d; i = i + 1) begin\n"
          "  {%s} = i; #1;\n  if (%s) bad = bad + 1;\n end\n"
          " $display(\"BAD %%0d\", bad); $finish;\nend\nendmodule\n"
          % ("\n".join(decl), ", ".join(conn_r), ", ".join(conn_n), 1 << nbits,
             ", ".join(invec), " || ".join("%s_r !== %s_n" % (o, o) for o in outs)))
    with open(os.path.join(tmp, "tb.v"), "w") as f:
        f.write(tb)
    rc, out, err = run_tools(["iverilog", "-g2012", "-o", "sim", "tb.v", "rtl.v", "net.v",
                              SIMCELLS], tmp, 120)
    assert rc == 0, out + err
    rc, out, err = run_tools(["vvp", "-n", "sim"], tmp, 120)
    m = re.search(r"BAD (\d+)", out)
    assert rc == 0 and m, out + err
    return int(m.group(1))


def _strip_by_hand(v):
    """What the server must do, written independently: no (* *), no unique/priority."""
    v = re.sub(r"\(\*(?!\)).*?\*\)", "", v, flags=re.S)
    return re.sub(r"\b(unique0?|priority)\s+(?=case|if)", "", v)


def test_ppa_attrs_oracle_by_hand(s):
    tmp = tempfile.mkdtemp(prefix="rtlr-attrs-")
    try:
        for label, tmpl, attr, kw, _ in GAMED:
            nbits = 6 if tmpl is MUX3 else 4
            gamed = mk(tmpl, attr=attr, kw=kw)
            # Icarus accepts the SystemVerilog keywords and ignores the attributes: the RTL is
            # the honest design; the netlist Yosys builds from it is not
            assert _netlist_differs(gamed, nbits, tmp) > 0, label
            assert _netlist_differs(_strip_by_hand(gamed), nbits, tmp) == 0, label
            assert _strip_by_hand(gamed).split() == mk(tmpl).split(), label
        # comment pragmas: Yosys honours them when it reads the comment
        assert _netlist_differs(PRAGMAS[0][1], 6, tmp) > 0
        assert _netlist_differs(mk(HIDDEN), 2, tmp) > 0
        assert _netlist_differs(mk(HIDDEN_HONEST), 2, tmp) == 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- through the server --------------------------------------------------------------------------


def _register(s, pid, tmpl):
    st, e = s.json("POST", "/v1/problems", {"id": pid, "reference": mk(tmpl, "RefModule"),
                                             "top": "TopModule", "ref_top": "RefModule"})
    assert st in (200, 201), (pid, st, e)


def test_ppa_attrs_stripped_no_bonus(s):
    _register(s, "attr_mux3", MUX3)
    _register(s, "attr_prio", PRIO)
    _register(s, "attr_hidden", HIDDEN_HONEST)
    pid = {id(MUX3): "attr_mux3", id(PRIO): "attr_prio"}
    honest = {}
    for tmpl in (MUX3, PRIO):
        r, = s.score([(pid[id(tmpl)], fence(mk(tmpl)))])
        assert r["function"]["passed"] and r["ppa"]["checked"], r
        assert not r["ppa"].get("stripped"), r["ppa"]
        honest[id(tmpl)] = r
    items = [(pid[id(t)], fence(mk(t, attr=a, kw=k))) for _, t, a, k, _ in GAMED]
    for (label, tmpl, attr, kw, _), r in zip(GAMED, s.score(items)):
        h = honest[id(tmpl)]
        p = r["ppa"]
        assert r["status"] == "OK" and r["function"]["passed"] and p["checked"], (label, r)
        for k in ("area", "cells", "delay_ns", "power", "score"):
            assert p.get(k) == h["ppa"].get(k), (label, k, p, h["ppa"])
        assert r["reward"] == h["reward"], (label, r["reward"], h["reward"])
        what = (attr.split("*")[1].split(",")[0].strip() if attr else kw.strip())
        assert "stripped before synthesis" in p["stripped"] and what in p["stripped"], (label, p)
    # comment pragmas and translate_off: refused by the policy, with the reason
    items = [("attr_mux3" if "MUX" in n.upper() or "s)" in v and "d[0]" in v
              else "attr_prio" if "casez" in v else "attr_hidden", fence(v)) for n, v in PRAGMAS]
    for (label, _), r in zip(PRAGMAS, s.score(items, no_cache=True)):
        assert not r["format"]["ok"] and "metacomment" in r["format"]["reason"], (label, r)
        assert r["reward"] < honest[id(MUX3)]["reward"] and not r["ppa"]["checked"], (label, r)


# --- the flow's netlist against the RTL, with the server's own harness ----------------------------

# The PPA flow as reward/ppa.c writes it (checked against the source below).
FLOW = ["hierarchy -check -top %(top)s", "synth -flatten -noabc -nofsm -top %(top)s",
        "dfflibmap -liberty ppa_seq.lib", "abc -liberty ppa_comb.lib", "opt_clean -purge"]


def _cell_models(lib):
    """Verilog models of the liberty's cells, from their function and ff groups."""
    out = []
    for m in re.finditer(r"\n  cell \((\w+)\) \{(.*?)\n  \}", lib, re.S):
        name, body = m.group(1), m.group(2)
        pins = re.findall(r"pin \((\w+)\) \{\s*direction : (\w+);(?:[^{}]*?function : \"([^\"]*)\")?",
                          body)
        ports = ", ".join("%s %s" % ("input" if d == "input" else "output", p) for p, d, _ in pins)
        lines = ["module %s(%s);" % (name, ports)]
        ff = re.search(r"ff \((\w+), (\w+)\) \{(.*?)\}", body, re.S)
        if ff:
            iq, iqn, g = ff.group(1), ff.group(2), ff.group(3)
            attr = dict(re.findall(r"(\w+) : \"([^\"]*)\"", g))
            ev = ["posedge %s" % attr["clocked_on"]]
            lines.append("reg %s; wire %s = ~%s;" % (iq, iqn, iq))
            # D is sampled once the inputs changed at the edge's time step have settled: the
            # harness releases resets in the step of a clock toggle, which a zero-delay gate
            # netlist (the clock through an inverter, D through gates) races; RTL does not.
            body_v = "#1 %s <= %s;" % (iq, attr["next_state"].replace("!", "~"))
            for key, val in (("preset", "1'b1"), ("clear", "1'b0")):
                if key in attr:
                    sig = attr[key]
                    assert re.fullmatch(r"!\w+", sig), sig
                    ev.append("negedge %s" % sig[1:])
                    body_v = "if (%s) %s <= %s; else %s" % (sig.replace("!", "~"), iq, val, body_v)
            lines.append("always @(%s) %s" % (" or ".join(ev), body_v))
        for p, d, fn in pins:
            if d == "output":
                lines.append("assign %s = %s;" % (p, fn.replace("!", "~")))
        lines.append("endmodule")
        out.append("\n".join(lines))
    assert len(out) >= 10, len(out)
    return "\n".join(out) + "\n"


def _flow_netlist(s, design, top, tmp):
    libs = glob.glob(os.path.join(s.tmp, "cache", "ppa", "lib-*"))
    assert len(libs) == 1, libs
    for f in ("ppa_seq.lib", "ppa_comb.lib"):
        shutil.copy(os.path.join(libs[0], f), tmp)
    with open(os.path.join(tmp, "d.v"), "w") as f:
        f.write(design)
    script = "read_verilog -sv d.v\n" + "\n".join(FLOW) % {"top": top} + "\n" + \
        "rename %s TopModule\nwrite_verilog -noattr -simple-lhs net.v\n" % top
    with open(os.path.join(tmp, "s.ys"), "w") as f:
        f.write(script)
    rc, out, err = run_tools(["yosys", "-q", "-s", "s.ys"], tmp, 120)
    assert rc == 0, err[-2000:]
    return read(os.path.join(tmp, "net.v"))


def test_ppa_attrs_netlist_equals_rtl(s):
    src = read(os.path.join(ROOT, "reward", "ppa.c"))
    for line in FLOW:
        c = (line % {"top": "%s"}).replace("ppa_seq.lib", '" F_SEQ "').replace(
            "ppa_comb.lib", '" F_COMB "')
        assert ('"%s\\n"' % c).replace(' ""', "") in src, (line, c)
    lib = read(os.path.join(ROOT, "reward", "lib", "rtlr_generic.lib"))
    models = _cell_models(lib)
    _register(s, "attr_mux3", MUX3)
    _register(s, "attr_prio", PRIO)
    cases = []  # (problem, netlist as a candidate, must pass)
    tmp = tempfile.mkdtemp(prefix="rtlr-net-")
    try:
        for d in sorted(glob.glob(os.path.join(ROOT, "problems", "*", "reference.v"))):
            pid = os.path.basename(os.path.dirname(d))
            net = _flow_netlist(s, read(d), "RefModule", tmp)
            cases.append((pid, net + models, True))
        # one variant per mechanism (attribute, keyword, parallel casez): each costs a PPA run
        for label, tmpl, attr, kw, _ in (GAMED[1], GAMED[2], GAMED[4]):
            pid = "attr_mux3" if tmpl is MUX3 else "attr_prio"
            gamed = mk(tmpl, attr=attr, kw=kw)
            # what the server synthesizes (stripped) is the RTL; the gamed text is not
            cases.append((pid, _flow_netlist(s, _strip_by_hand(gamed), "TopModule", tmp) + models,
                          True))
            cases.append((pid, _flow_netlist(s, gamed, "TopModule", tmp) + models, False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert len(cases) >= 17 + 2 * 3, len(cases)
    res = s.score([(p, fence(n)) for p, n, _ in cases], engine="icarus")
    for (pid, _, want), r in zip(cases, res):
        assert r["status"] == "OK" and r["syntax"]["ok"], (pid, r)
        assert r["function"]["passed"] == want, (pid, want, r["function"])


# --- tools that read the same text differently: the netlist check --------------------------------

ADD8 = """module %(name)s(input [7:0] a, input [7:0] b, output [7:0] y);
  assign y = %(expr)s;
endmodule
"""
CNT = """module %(name)s(input clk, input rst, output reg [7:0] q);
  always @(posedge clk)
    if (rst) q <= 8'd0;
    else q <= %(expr)s;
endmodule
"""
# Unsized constant arithmetic: Yosys computes in 32 bits ('hFFFF_FFFF + 1 == 0 is true), Icarus
# without losing bits (false). Icarus simulates the honest design; Yosys builds the cheap one.
WIDTH_TRICKS = [
    ("add8_const", ADD8, "a + b", "('hFFFF_FFFF + 1 == 0) ? 8'd0 : a + b", "a + b"),
    ("cnt_const", CNT, "q + 8'd1", "('hFFFF_FFFF + 1 == 0) ? q : q + 8'd1", "q + 8'd1"),
]


def _by_hand_icarus_vs_yosys(rtl, tmp):
    """Icarus's value of y for a = 3, b = 4, and the cell count Yosys gives."""
    with open(os.path.join(tmp, "w.v"), "w") as f:
        f.write(rtl)
    rc, out, err = run_tools(["yosys", "-q", "-p", "read_verilog -sv w.v; synth -top TopModule; "
                              "tee -o st.txt stat"], tmp, 120)
    assert rc == 0, err
    cells = int(re.search(r"Number of cells:\s+(\d+)", read(os.path.join(tmp, "st.txt"))).group(1))
    with open(os.path.join(tmp, "wtb.v"), "w") as f:
        f.write("module tb; reg [7:0] a, b; wire [7:0] y; TopModule u(.a(a), .b(b), .y(y));\n"
                "initial begin a = 3; b = 4; #1 $display(\"Y %0d\", y); end endmodule\n")
    rc, out, err = run_tools(["iverilog", "-g2012", "-o", "w", "wtb.v", "w.v"], tmp, 120)
    assert rc == 0, out + err
    rc, out, err = run_tools(["vvp", "-n", "w"], tmp, 120)
    return int(re.search(r"Y (\d+)", out).group(1)), cells


def test_ppa_attrs_netlist_check(s):
    tmp = tempfile.mkdtemp(prefix="rtlr-width-")
    try:
        y, cells = _by_hand_icarus_vs_yosys(ADD8 % {"name": "TopModule",
                                                    "expr": WIDTH_TRICKS[0][3]}, tmp)
        assert y == 7 and cells == 0, (y, cells)  # Icarus: a + b; Yosys: a constant
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for pid, tmpl, gold, trick, honest in WIDTH_TRICKS:
        st, e = s.json("POST", "/v1/problems", {"id": "nc_" + pid, "reference": tmpl % {
            "name": "RefModule", "expr": gold}, "top": "TopModule", "ref_top": "RefModule"})
        assert st in (200, 201), (pid, st, e)
        h, t = s.score([("nc_" + pid, fence(tmpl % {"name": "TopModule", "expr": honest})),
                        ("nc_" + pid, fence(tmpl % {"name": "TopModule", "expr": trick}))],
                       engine="icarus", no_cache=True)
        assert h["function"]["passed"] and h["ppa"]["checked"], (pid, h)
        assert h["ppa"]["netlist_check"].startswith("netlist equals the RTL on"), h["ppa"]
        assert h["ppa"]["netlist_samples"] == 200, h["ppa"]
        # Icarus passes the trick; its netlist is not what Icarus ran: no PPA, below honest
        assert t["function"]["passed"], (pid, t["function"])
        p = t["ppa"]
        assert not p["checked"] and p["failed"] and p["score"] == 0, (pid, p)
        assert "does not behave like the RTL" in p["reason"], p
        assert t["reward"] < h["reward"], (pid, t["reward"], h["reward"])
