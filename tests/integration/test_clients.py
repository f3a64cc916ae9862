"""clients/python: the client and the trainer adapters against the live server."""
import os
import sys

from harness import fence

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "clients", "python"))
import rtlreward_client as rc  # noqa: E402

GOOD = fence("module TopModule(input [7:0] a, input [7:0] b, output [7:0] sum, output cout);\n"
             "  assign {cout, sum} = a + b;\nendmodule")
WRONG = GOOD.replace("a + b", "a - b")
BAD_TB = ("module tb; reg a; wire y; TopModule dut(.a(a), .y(y)); initial begin a = 0; #1;"
          " $display(\"no verdict\"); end endmodule\n")
REF = "module RefModule(input a, output y); assign y = a; endmodule\n"


def _client(s):
    return rc.Client(s.base, timeout=120, retries=1)


def test_client_score_and_errors(s):
    c = _client(s)
    good, wrong = c.score([("add8_cout", GOOD), ("add8_cout", WRONG)], preset="binary")
    assert good["status"] == "OK" and good["reward"] == 1.0, good
    assert wrong["reward"] == 0.0 and wrong["function"]["first_mismatch"]["signal"], wrong
    try:
        c.score([("no_such_problem", GOOD)])
    except rc.RequestError as e:
        assert e.status == 404 and e.field == "items[0].problem", (e.status, e.field)
    else:
        raise AssertionError("unknown problem accepted")


def test_verl_and_trl_adapters(s):
    rc._client = _client(s)
    try:
        out = rc.compute_score("rtl", GOOD, "add8_cout", {})
        assert out["score"] == 1.0 and out["passed"] is True, out
        outs = rc.compute_score_batch(["rtl"] * 2, [GOOD, WRONG], ["add8_cout"] * 2, [{}, {}],
                                      preset="pass_rate")
        assert outs[0]["score"] == 1.0 and 0.0 <= outs[1]["score"] < 1.0, outs
        assert outs[1]["score"] == outs[1]["pass_rate"], outs
        # conversational completions, as TRL passes them
        conv = [[{"role": "assistant", "content": GOOD}], [{"role": "assistant", "content": "no code"}]]
        assert rc.trl_reward(prompts=["p", "p"], completions=conv,
                             problem=["add8_cout", "add8_cout"]) == [1.0, 0.0]
        # a sample the server cannot score is never a reward: None for TRL, an error for verl
        st, p = s.json("POST", "/v1/problems", {"id": "it_client_tb_bad", "reference": REF,
                                                 "top": "TopModule", "ref_top": "RefModule",
                                                 "mode": "testbench", "testbench": BAD_TB})
        assert st == 201, p
        cand = fence("module TopModule(input a, output y); assign y = a; endmodule")
        assert rc.trl_reward(prompts=["p"], completions=[cand], problem=["it_client_tb_bad"]) == [None]
        try:
            rc.compute_score("rtl", cand, "it_client_tb_bad")
        except rc.RewardUnavailable as e:
            assert "golden does not pass" in str(e), e
        else:
            raise AssertionError("INFRA_ERROR became a score")
    finally:
        rc._client = None
