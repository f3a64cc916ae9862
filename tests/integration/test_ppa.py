"""PPA tier: Yosys + OpenSTA against the golden. The server's area and delay agree with running
the same commands by hand; pairs the project writes are ordered the way an engineer would
order them (bundled library and, when ../shared/pdk is present, sky130); a design that does not
synthesize gets a clear PPA failure."""
import glob
import os
import re
import shutil
import tempfile

from harness import ROOT, SHARED, Server, Skip, fence, read, run_tools

DATA = os.path.join(ROOT, "tests", "data", "ppa")
SKY130 = os.path.join(SHARED, "pdk", "sky130_fd_sc_hd__tt_025C_1v80.dont_use.lib.gz")
PAIRS = {  # problem id: golden file, top
    "ppa_add16": "add16_golden.v",
    "ppa_fsm": "fsm_golden.v",
    "ppa_cnt": "cnt_golden.v",
    "ppa_latch": "latch_golden.v",
}


def _design(name):
    return read(os.path.join(DATA, name))


def _register(s):
    for pid, gold in PAIRS.items():
        st, e = s.json("POST", "/v1/problems", {"id": pid, "reference": _design(gold),
                                                 "top": "TopModule", "ref_top": "RefModule"})
        assert st in (200, 201), (pid, st, e)


def _score(s, pid, name, **kw):
    r, = s.score([(pid, fence(_design(name)))], **kw)
    assert r["status"] == "OK", r
    assert r["function"]["passed"], (name, r["function"])
    return r


def _check_orders(s, label):
    _register(s)
    # the golden's own text: ratios 1, score 1, reward exactly that of a full pass
    g = _score(s, "ppa_cnt", "cnt_plain.v")["ppa"]
    assert g["checked"] and g["area_ratio"] == 1 and g["delay_ratio"] == 1, (label, g)
    assert g["power_ratio"] == 1 and g["score"] == 1 and g["seq_cells"] == 8, (label, g)

    rip = _score(s, "ppa_add16", "add16_ripple.v")["ppa"]
    ks = _score(s, "ppa_add16", "add16_lookahead.v")["ppa"]
    assert rip["checked"] and ks["checked"], (label, rip, ks)
    # ripple: smaller, slower; lookahead: faster, larger
    assert rip["area"] < ks["area"] and rip["area_ratio"] > ks["area_ratio"], (label, rip, ks)
    assert ks["delay_ns"] < rip["delay_ns"] and ks["delay_ratio"] > rip["delay_ratio"], (label, rip, ks)
    # a delay-first curriculum prefers the lookahead adder, an area-first one the ripple adder
    fast = {"ppa_area": 0, "ppa_delay": 1, "ppa_power": 0}
    small = {"ppa_area": 1, "ppa_delay": 0, "ppa_power": 0}
    rf = _score(s, "ppa_add16", "add16_ripple.v", weights=fast)
    kf = _score(s, "ppa_add16", "add16_lookahead.v", weights=fast)
    assert kf["ppa"]["score"] > rf["ppa"]["score"] and kf["reward"] > rf["reward"], (label, rf, kf)
    rs = _score(s, "ppa_add16", "add16_ripple.v", weights=small)
    ksm = _score(s, "ppa_add16", "add16_lookahead.v", weights=small)
    assert rs["ppa"]["score"] > ksm["ppa"]["score"] and rs["reward"] > ksm["reward"], (label, rs, ksm)

    binr = _score(s, "ppa_fsm", "fsm_binary.v")["ppa"]
    hot = _score(s, "ppa_fsm", "fsm_onehot.v")["ppa"]
    assert binr["seq_cells"] == 3 and hot["seq_cells"] == 5, (label, binr, hot)
    assert binr["area"] < hot["area"] and binr["area_ratio"] > hot["area_ratio"], (label, binr, hot)

    plain = _score(s, "ppa_cnt", "cnt_plain.v")
    pad = _score(s, "ppa_cnt", "cnt_padded.v")
    pp, dp = plain["ppa"], pad["ppa"]
    assert dp["seq_cells"] > pp["seq_cells"] and dp["area"] > pp["area"], (label, pp, dp)
    assert dp["power"] > pp["power"] and dp["score"] < pp["score"] < 1.0001, (label, pp, dp)
    assert pad["reward"] < plain["reward"], (label, plain["reward"], pad["reward"])
    # ... but a padded full pass still beats any partial pass
    assert pad["reward"] > 0.9 - 1e-9, pad["reward"]


def test_ppa_order_bundled(s):
    _check_orders(s, "rtlr_generic")


def test_ppa_order_sky130(_s):
    if not os.path.exists(SKY130):
        raise Skip("sky130 liberty not found at %s (set SHARED)" % SKY130)
    s = Server.start(["--liberty", SKY130, "--no-builtin"])
    try:
        _check_orders(s, "sky130")
        _check_agreement(s, "ppa_add16", "add16_lookahead.v")
    finally:
        s.stop()


def _check_agreement(s, pid, name):
    """Runs the flow the README documents by hand on the reduced libraries the server keeps
    under CACHE/ppa/lib-*/ and compares with what the server reported."""
    r = _score(s, pid, name)["ppa"]
    libs = glob.glob(os.path.join(s.tmp, "cache", "ppa", "lib-*"))
    assert len(libs) == 1, libs
    tmp = tempfile.mkdtemp(prefix="rtlr-ppa-")
    try:
        for f in ("ppa_seq.lib", "ppa_comb.lib", "ppa_sta.lib"):
            shutil.copy(os.path.join(libs[0], f), tmp)
        with open(os.path.join(tmp, "d.v"), "w") as f:
            f.write(_design(name))
        with open(os.path.join(tmp, "s.ys"), "w") as f:
            f.write("read_verilog -sv d.v\nhierarchy -check -top TopModule\n"
                    "synth -flatten -noabc -nofsm -top TopModule\ndfflibmap -liberty ppa_seq.lib\n"
                    "abc -liberty ppa_comb.lib\nopt_clean -purge\n"
                    "tee -o stat.txt stat -liberty ppa_sta.lib\n"
                    "write_verilog -noattr -simple-lhs net.v\n")
        rc, out, err = run_tools(["yosys", "-q", "-s", "s.ys"], tmp, 120)
        assert rc == 0, err[-2000:]
        stat = read(os.path.join(tmp, "stat.txt"))
        area = float(re.search(r"Chip area for module '\\TopModule': ([0-9.]+)", stat).group(1))
        cells = int(re.search(r"Number of cells:\s+(\d+)", stat).group(1))
        # the same STA commands the server writes for a combinational design
        with open(os.path.join(tmp, "t.tcl"), "w") as f:
            f.write(_sta_script(r["liberty"]))
        rc, out, err = run_tools(["sta", "-no_init", "-no_splash", "-exit", "t.tcl"], tmp, 120)
        assert rc == 0 and "Error" not in out + err, out + err
        delay = float(re.search(r"^\s*(-?[0-9.]+)\s+data arrival time", out, re.M).group(1))
        assert abs(area - r["area"]) <= 1e-6 * max(1, area) and cells == r["cells"], (area, cells, r)
        assert abs(delay - r["delay_ns"]) <= 1e-6, (delay, r)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _sta_script(liberty):
    # the driving cell and load the server states in ppa.liberty
    m = re.search(r"driving cell (\w+)/(\w+), load ([0-9.e-]+)", liberty)
    assert m, liberty
    return ("read_liberty ppa_sta.lib\nread_verilog net.v\nlink_design TopModule\n"
            "create_clock -name rtlr_clk0 -period 10\n"
            "set rtlr_in {}\nlappend rtlr_in {a}\nlappend rtlr_in {b}\n"
            "set_input_delay 0 -clock rtlr_clk0 [get_ports $rtlr_in]\n"
            "set_driving_cell -lib_cell %s -pin %s [get_ports $rtlr_in]\n"
            "set rtlr_out [all_outputs]\nset_output_delay 0 -clock rtlr_clk0 $rtlr_out\n"
            "set_load %s $rtlr_out\n"
            "set_power_activity -global -activity 0.1 -duty 0.5\n"
            "report_checks -path_delay max -digits 6\nreport_power -digits 6\n"
            % (m.group(1), m.group(2), m.group(3)))


def test_ppa_agreement_bundled(s):
    _register(s)
    _check_agreement(s, "ppa_add16", "add16_ripple.v")
    # the golden's figures are kept in the cache directory, once per problem
    r = _score(s, "ppa_add16", "add16_lookahead.v")["ppa"]
    kept = [read(f).split() for f in glob.glob(os.path.join(s.tmp, "cache", "ppa", "golden-*"))]
    areas = [float(k[2]) for k in kept if k[1] == "1"]
    assert any(abs(a - r["golden_area"]) < 1e-9 for a in areas), (areas, r["golden_area"])


def test_ppa_failure_and_gating(s):
    _register(s)
    # a latch: functionally the golden, but synthesis refuses it with a clear reason
    r = _score(s, "ppa_latch", "latch_cand.v")
    p = r["ppa"]
    assert not p["checked"] and p["failed"] and "latch" in p["reason"], p
    assert p["golden_area"] > 0 and p["score"] == 0, p
    assert abs(r["reward"] - 0.9) < 1e-9, r["reward"]
    # a wrong design never reaches the PPA tier
    bad = _design("add16_ripple.v").replace("assign c[0] = 1'b0;", "assign c[0] = 1'b1;")
    r, = s.score([("ppa_add16", fence(bad))])
    assert not r["function"]["passed"] and not r["ppa"]["checked"] and not r["ppa"]["failed"], r
    assert "function tier" in r["ppa"]["reason"], r["ppa"]
    # a golden that does not synthesize: no PPA term for anyone, and it says why
    st, e = s.json("POST", "/v1/problems", {"id": "ppa_latch_gold", "reference": _design("latch_cand.v").replace("TopModule", "RefModule"),
                                             "top": "TopModule", "ref_top": "RefModule"})
    assert st in (200, 201), e
    r = _score(s, "ppa_latch_gold", "latch_cand.v")
    assert not r["ppa"]["checked"] and not r["ppa"]["failed"], r["ppa"]
    assert "golden does not synthesize" in r["ppa"]["reason"] and r["reward"] == 1.0, r
    # bad weights are refused
    st, e = s.json("POST", "/v1/score", {"items": [{"problem": "ppa_cnt", "completion": "x"}],
                                          "weights": {"ppa_area": -1}})
    assert st == 400 and "ppa_area" in e["error"], (st, e)
