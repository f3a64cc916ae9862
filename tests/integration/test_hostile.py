"""The hostile suite: candidates that try to reach the host, forge a verdict or exhaust the
server, each with its expected verdict, scored by a dedicated server with short limits.

After each candidate: the reward is the minimum (0 under the binary preset, and never a pass);
policy refusals carry a format.reason naming the construct. After the suite: canary files
outside the job directory are unchanged and nothing new appeared beside them or in /tmp, no
child process of the server survives, the job directory is empty, the server's fd count and
RSS are stable across a second pass, and a correct candidate still scores full marks.
"""
import os
import re
import shutil
import tempfile
import time

import harness
from harness import fence

# A wrong body for add8_cout, so that a forged verdict would be the only way to pass.
WRONG = "assign {cout, sum} = 9'd0;"
HEAD = "module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
RIGHT = "assign {cout, sum} = {1'b0, a} + {1'b0, b};"
PWN = "/tmp/rtlr_pwned"       # what a candidate that reached the host would create


def add8(body, tail=""):
    return HEAD + body + "\nendmodule\n" + tail


def gray(body):
    return ("module TopModule(input clk, input reset, input en, output [3:0] gray);\n"
            "reg [3:0] bin;\nalways @(posedge clk) if (reset) bin <= 0; else if (en) bin <= bin + 2;\n"
            "assign gray = bin;\n" + body + "\nendmodule\n")


# (name, problem, source, expected): expected is "policy:<substring of format.reason>" for a
# refusal, or "fail" for a verdict of the function tier or earlier that is not a pass.
CANDIDATES = [
    ("system", "add8_cout", add8(WRONG + '\ninitial $system("touch %s");' % PWN), "policy:$system"),
    ("system_token_paste", "add8_cout",
     "`define CALL(x) $sys``x\n" + add8(WRONG + '\ninitial `CALL(tem)("touch %s");' % PWN), "policy:$system"),
    ("system_macro_name", "add8_cout",
     "`define S $system\n" + add8(WRONG + '\ninitial `S("touch %s");' % PWN), "policy:$system"),
    ("c_call", "add8_cout", add8(WRONG + '\ninitial $c("system(\\"touch %s\\");");' % PWN), "policy:$c"),
    ("systemc_implementation", "add8_cout",
     add8(WRONG + '\n`systemc_implementation\n#include <stdlib.h>\nstatic int x = system("touch %s");\n`verilog' % PWN),
     "policy:systemc"),
    ("systemc_header", "add8_cout", add8(WRONG + "\n`systemc_header\nint y;\n`verilog"), "policy:systemc"),
    ("verilator_metacomment", "add8_cout", add8(WRONG + "\n/*verilator public_flat_rw*/"), "policy:verilator"),
    ("dpi_system", "add8_cout",
     add8('import "DPI-C" function int system(input string cmd);\n' + WRONG +
          '\ninitial begin int r; r = system("touch %s"); end' % PWN), "policy:DPI"),
    ("dpi_getenv", "add8_cout",
     add8('import "DPI-C" function string getenv(input string n);\n' + WRONG +
          '\ninitial $display("%s", getenv("HOME"));'), "policy:DPI"),
    ("dpi_export", "add8_cout", add8('export "DPI-C" function f;\nfunction int f(); return 1; endfunction\n' + WRONG),
     "policy:DPI"),
    ("include_passwd", "add8_cout", '`include "/etc/passwd"\n' + add8(WRONG), "policy:include"),
    ("include_relative", "add8_cout", '`include "gold.v"\n' + add8(WRONG), "policy:include"),
    ("readmemh_shadow", "add8_cout",
     add8("reg [7:0] m [0:3];\ninitial $readmemh(\"/etc/shadow\", m);\n" + WRONG), "policy:$readmem"),
    ("readmemb", "add8_cout", add8("reg [7:0] m [0:3];\ninitial $readmemb(\"/etc/hostname\", m);\n" + WRONG),
     "policy:$readmem"),
    ("fopen_fwrite", "add8_cout",
     add8(WRONG + '\ninitial begin integer f; f = $fopen("%s", "w"); $fwrite(f, "x"); end' % PWN), "policy:$fopen"),
    ("fopen_canary", "add8_cout",
     add8(WRONG + '\ninitial begin integer f; f = $fopen("CANARY", "w"); $fdisplay(f, "x"); end'), "policy:$fopen"),
    ("writememh", "add8_cout",
     add8("reg [7:0] m [0:3];\ninitial $writememh(\"%s\", m);\n" % PWN + WRONG), "policy:$writemem"),
    ("dumpfile", "add8_cout", add8(WRONG + '\ninitial begin $dumpfile("%s"); $dumpvars; end' % PWN), "policy:$dump"),
    ("finish_early", "add8_cout", add8(WRONG + "\ninitial #1 $finish;"), "policy:$finish"),
    ("stop_early", "add8_cout", add8(WRONG + "\ninitial #1 $stop;"), "policy:$stop"),
    ("fatal_early", "add8_cout", add8(WRONG + "\ninitial #1 $fatal;"), "policy:$fatal"),
    ("module_tb", "add8_cout", add8(WRONG) + "module tb; endmodule\n", "policy:tb"),
    ("module_refmodule", "add8_cout",
     add8(WRONG) + "module RefModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);"
     " assign {cout, sum} = 9'd0; endmodule\n", "policy:RefModule"),
    ("upward_force", "add8_cout", add8(WRONG + "\ninitial force tb.mismatches = 0;"), "policy:"),
    ("upward_root", "add8_cout", add8(WRONG + "\ninitial $root.tb.errors = 0;"), "policy:"),
    ("bind_into_harness", "add8_cout", add8(WRONG) + "bind tb TopModule spy(.a(), .b(), .sum(), .cout());\n",
     "policy:bind"),
    # forged verdict strings: printed, never trusted
    ("forge_verilog_eval", "add8_cout",
     add8(WRONG + '\ninitial begin #5 $display("Mismatches: 0 in 400 samples"); end'), "fail"),
    ("forge_codev", "add8_cout", add8(WRONG + '\ninitial $display("All tests passed.");'), "fail"),
    ("forge_rtllm", "add8_cout",
     add8(WRONG + '\ninitial $display("===========Your Design Passed===========");'), "fail"),
    ("forge_tb_verilog_eval", "tb_gray_counter",
     gray('initial begin #1 $display("Mismatches: 0 in 100 samples"); end'), "fail"),
    ("forge_tb_pass", "tb_gray_counter", gray('initial $display("Pass: all tests passed");'), "fail"),
    ("define_leak", "add8_cout",
     "`define RefModule TopModule\n`define assign assign\n" + add8(WRONG), "fail"),
    # resource exhaustion: a time-out or limit is the minimum, never partial credit
    ("zero_delay_loop", "add8_cout", add8(RIGHT + "\nreg t; initial t = 0;\nalways #0 t = ~t;"), "fail"),
    ("comb_loop", "add8_cout",
     add8("wire [7:0] x;\nassign x = ~x + a;\nassign {cout, sum} = {1'b0, x};"), "fail"),
    ("infinite_initial", "add8_cout", add8(RIGHT + "\ninitial begin : spin integer i; i = 0; while (1) i = i + 1; end"),
     "fail"),
    ("huge_memory", "add8_cout", add8(RIGHT + "\nreg [7:0] mem [0:(1<<30)-1];\ninitial mem[5] = 1;"), "fail"),
    ("generate_bomb", "add8_cout",
     add8(RIGHT + "\ngenvar i;\ngenerate for (i = 0; i < 50000000; i = i + 1) begin : g\n"
          "  wire [7:0] w = a + i;\nend endgenerate"), "fail"),
    ("output_flood", "add8_cout",
     add8(RIGHT + '\nalways @(a) begin : flood integer i; for (i = 0; i < 200000; i = i + 1)'
          ' $display("flood flood flood flood flood flood flood flood flood %d", i); end'), "fail"),
    ("sleep_past_deadline", "add8_cout",
     add8(RIGHT + "\nreg [31:0] n; initial begin n = 0; forever begin n = n + 1; end end"), "fail"),
    ("oversized_source", "add8_cout", add8(WRONG + "\n" + ("// pad\nwire [7:0] pad_w;\n" * 9000)), "fail"),
    ("binary_garbage", "add8_cout", "module TopModule(\x01\x7f\u00ff\ufffe garbage", "fail"),
    ("extra_port_probe", "add8_cout",
     "module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout, output leak);\n"
     + WRONG + "\nassign leak = 1;\nendmodule\n", "fail"),
]
# a g++ compile bomb is only reachable through the Verilator engine
VERILATOR_BOMB = ("gxx_bomb", "add8_cout",
                  add8(WRONG + "\ngenvar i;\ngenerate for (i = 0; i < 1000; i = i + 1) begin : g\n"
                       "  reg [4095:0] r; always @(a) r = (r * {512{a}}) ^ (r * i) ^ (r >> a);\n"
                       "end endgenerate"), "fail")


def _children(pid):
    """Pids of every descendant of pid (threads are not processes here)."""
    parent = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parent[int(d)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


def _fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def _rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _check(r, name, expected):
    assert r["status"] == "OK", (name, r["status"], r["error"])
    assert r["reward"] == 0.0, (name, r["reward"], r["format"], r["function"])
    assert not r["function"]["passed"], (name, r["function"])
    if expected.startswith("policy:"):
        needle = expected[len("policy:"):]
        assert not r["format"]["ok"] and needle in r["format"]["reason"], (name, r["format"])


def _score_all(srv, cands, **opts):
    items = [(pid, fence(src)) for _, pid, src, _ in cands]
    return srv.score(items, preset="binary", **opts)


def test_hostile_suite(_s):
    # a dedicated server with short limits and its own cache and job directories
    srv = harness.Server.start(extra=["--sim-timeout", "4", "--compile-timeout", "20",
                                      "--lint-timeout", "10"])
    canary_root = tempfile.mkdtemp(prefix="rtlr-canary-", dir="/var/tmp")
    canary = os.path.join(canary_root, "CANARY")
    try:
        with open(canary, "w") as f:
            f.write("must not change\n")
        os.chmod(canary_root, 0o777)
        os.chmod(canary, 0o666)
        # the candidates that name the canary use its real path
        cands = [(n, p, s.replace('"CANARY"', '"%s"' % canary), e) for n, p, s, e in CANDIDATES]
        assert len(cands) + 1 >= 35, len(cands)
        tmp_before = set(os.listdir("/tmp"))
        pid = srv.proc.pid
        # warm-up, then the baseline of fds and memory
        good, = srv.score([("add8_cout", fence(add8(RIGHT)))], preset="binary")
        assert good["reward"] == 1.0, good
        fds0, rss0 = _fds(pid), _rss_kib(pid)

        res = _score_all(srv, cands)
        for (name, _, _, expected), r in zip(cands, res):
            _check(r, name, expected)
        rb, = srv.score([(VERILATOR_BOMB[1], fence(VERILATOR_BOMB[2]))], preset="binary",
                        engine="verilator")
        _check(rb, VERILATOR_BOMB[0], VERILATOR_BOMB[3])
        print("    g++ bomb under engine=verilator: syntax ok %s, function: %s (%.0f ms)"
              % (rb["syntax"]["ok"], rb["function"]["reason"][:80], rb["times"]["total_ms"]))
        # a second pass, computed again, must not grow the server (the baseline is taken after
        # the first pass: each thread opens its SQLite connection, 2 fds, on its first lookup)
        # (2 fds a connection; threads: the pool of 2 x workers, the HTTP and WAL threads)
        fds_a = _fds(pid)
        st, _, raw = srv.request("GET", "/metrics")
        workers = int(re.search(r"^rtlreward_workers (\d+)", raw.decode(), re.M).group(1))
        fd_bound = fds0 + 2 * (2 * workers + 4) + 1
        assert fds_a <= fd_bound, (fds0, fds_a, workers)
        res2 = _score_all(srv, cands, no_cache=True)
        for (name, _, _, expected), r in zip(cands, res2):
            _check(r, name, expected)

        assert harness.wait_for(lambda: not _children(pid), 10), \
            "children of the server survive: %s" % _children(pid)
        assert not os.path.exists(PWN), "a candidate wrote %s" % PWN
        with open(canary) as f:
            assert f.read() == "must not change\n"
        assert os.listdir(canary_root) == ["CANARY"], os.listdir(canary_root)
        new_tmp = {e for e in set(os.listdir("/tmp")) - tmp_before if "rtlr" in e and "pwn" in e}
        assert not new_tmp, new_tmp
        jobs = os.path.join(srv.tmp, "jobs")
        assert harness.wait_for(lambda: not os.path.isdir(jobs) or not os.listdir(jobs), 10), \
            os.listdir(jobs)
        fds1, rss1 = _fds(pid), _rss_kib(pid)
        # a thread idle in the first pass may open its connection in the second: the bound
        # holds, and one leaked fd per candidate (42 a pass) would break it
        assert fds1 <= fd_bound + 2, (fds0, fds_a, fds1)
        assert rss1 <= rss0 + 64 * 1024, (rss0, rss1)
        # and a correct candidate still scores full marks, computed afresh
        good, = srv.score([("add8_cout", fence(add8(RIGHT)))], preset="binary", no_cache=True)
        assert good["status"] == "OK" and good["reward"] == 1.0, good
        print("    hostile: %d candidates x 2 passes + g++ bomb, all minimum; fds %d -> %d, RSS %d -> %d KiB"
              % (len(cands), fds0, fds1, rss0, rss1))
    finally:
        srv.stop()
        shutil.rmtree(canary_root, ignore_errors=True)
        if os.path.exists(PWN):
            os.remove(PWN)


def test_metacomment_refusal_is_not_cached_for_the_plain_text(s):
    """The raw-text policy reads comments (a synthesis or Verilator metacomment is refused),
    the cache key does not: the refusal must not be served to the same text without the
    comment, nor a cached pass to the text with it, in either order."""
    plain = ("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
             "  assign {cout, sum} = a + b;\nendmodule\n")
    meta = plain.replace("  assign", "  // synopsys translate_off\n  assign", 1)
    for first, second in ((meta, plain), (plain, meta)):
        seed = 7 if first is meta else 8  # a key of its own for each order
        r1, r2 = (s.score([("add8_cout", harness.fence(t))], seed=seed)[0] for t in (first, second))
        for t, r in ((first, r1), (second, r2)):
            if t is meta:
                assert not r["format"]["ok"] and r["reward"] == 0, r["format"]
                assert "synopsys" in r["format"]["reason"] or "metacomment" in r["format"]["reason"], r["format"]
            else:
                assert r["status"] == "OK" and r["function"]["passed"], r
