"""The HTTP API at the wire: every endpoint, both encodings, and bad requests."""
import json

from harness import fence

GOOD = fence("module TopModule(input [7:0] a, input [7:0] b, output [8:0] s);\n"
             "  assign s = a + b;\nendmodule")


def _pb_str(field, s):
    b = s.encode()
    return _varint(field << 3 | 2) + _varint(len(b)) + b


def _varint(v):
    out = b""
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def _pb_fields(buf):
    """Top-level (field, wiretype, value) of a protobuf message."""
    i, out = 0, []
    while i < len(buf):
        key, i = _read_varint(buf, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(buf, i)
        elif wt == 2:
            n, i = _read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        out.append((f, wt, v))
    return out


def _read_varint(buf, i):
    shift = v = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def _adder(s):
    ref = ("module RefModule(input [7:0] a, input [7:0] b, output [8:0] s);\n"
           "  assign s = a + b;\nendmodule\n")
    st, p = s.json("POST", "/v1/problems", {"id": "it_adder", "reference": ref, "top": "TopModule",
                                             "ref_top": "RefModule"})
    assert st == 201, p
    return p


def test_healthz_and_metrics(s):
    st, h = s.json("GET", "/healthz")
    assert st == 200 and h["status"] == "ok" and h["problems"] >= 12, h
    assert "verilator" in h["tools"] and "iverilog" in h["tools"], h
    assert h["sandbox"], h
    st, _, raw = s.request("GET", "/metrics")
    text = raw.decode()
    assert st == 200 and "rtlreward_requests_total" in text and "rtlreward_stage_seconds_bucket" in text


def test_builtin_problem_list_and_get(s):
    st, lst = s.json("GET", "/v1/problems")
    ids = {p["id"] for p in lst["problems"]}
    assert st == 200 and {"add8_cout", "counter4_en", "add128"} <= ids, ids
    st, p = s.json("GET", "/v1/problems/add8_cout")
    assert st == 200 and p["top"] == "TopModule" and p["hash"], p
    ports = {q["name"]: (q["dir"], q["width"]) for q in p["ports"]}
    assert ports["sum"] == ("output", 8) and ports["a"] == ("input", 8), ports
    st, e = s.json("GET", "/v1/problems/no_such_problem")
    assert st == 404 and "no_such_problem" in e["error"], e


def test_register_problem_then_score(s):
    p = _adder(s)
    assert [q["name"] for q in p["ports"]] == ["a", "b", "s"], p
    r, = s.score([("it_adder", GOOD)])
    assert r["status"] == "OK" and r["function"]["pass_rate"] == 1.0 and r["reward"] == 1.0, r
    bad = GOOD.replace("a + b", "a - b")
    r, = s.score([("it_adder", bad)])
    assert r["function"]["pass_rate"] < 1 and r["function"]["first_mismatch"]["signal"] == "s", r
    # a golden that does not elaborate is refused, not registered
    st, e = s.json("POST", "/v1/problems", {"id": "it_broken", "reference": "module RefModule(input a; endmodule",
                                             "top": "TopModule", "ref_top": "RefModule"})
    assert st == 422 and e["field"] == "reference", e
    st, _ = s.json("GET", "/v1/problems/it_broken")
    assert st == 404


def test_presets_and_weights(s):
    _adder(s)
    bad = GOOD.replace("a + b", "a + b + 9'd1 - {8'd0, a[0]}")
    rb, = s.score([("it_adder", bad)], preset="binary")
    assert rb["reward"] == 0.0, rb
    rp, = s.score([("it_adder", bad)], preset="pass_rate")
    assert 0 < rp["reward"] < 1 and abs(rp["reward"] - rp["function"]["pass_rate"]) < 1e-12, rp
    rh, = s.score([("it_adder", bad)], preset="hierarchical", weights={"syntax": 0.5, "interface": 0.0,
                                                                      "function": 0.0, "pass": 0.0})
    assert abs(rh["reward"] - 0.5) < 1e-12, rh
    # evidence is cached, the reward is recomposed per request
    assert rh["cached"] is True, rh


def test_openrlhf_get_reward(s):
    _adder(s)
    prompt = "Write an adder.\n"
    st, out = s.json("POST", "/get_reward", {"query": [prompt + GOOD, prompt + "no code"],
                                              "prompts": [prompt, prompt],
                                              "labels": ["it_adder", "it_adder"]})
    assert st == 200, out
    assert out["rewards"][0] == 1.0 and out["rewards"][1] == 0.0, out
    assert out["scores"] == [1.0, 0.0] and out["extra_logs"]["passed"] == [1, 0], out
    st, e = s.json("POST", "/get_reward", {"query": ["x"], "labels": []})
    assert st == 400 and "same length" in e["error"], e


def test_protobuf_round_trip(s):
    _adder(s)
    item = _pb_str(1, "it_adder") + _pb_str(2, GOOD)
    body = _pb_str(1, "") [:0] + (_varint(1 << 3 | 2) + _varint(len(item)) + item) + _pb_str(2, "binary")
    st, h, raw = s.request("POST", "/v1/score", body, ctype="application/x-protobuf")
    assert st == 200 and h["Content-Type"] == "application/x-protobuf", (st, raw[:200])
    results = [v for f, wt, v in _pb_fields(raw) if f == 1]
    assert len(results) == 1
    fields = {f: v for f, wt, v in _pb_fields(results[0])}
    assert fields[2] == 1  # status OK
    import struct
    assert struct.unpack("<d", fields[4])[0] == 1.0  # reward
    # malformed protobuf
    st, _, raw = s.request("POST", "/v1/score", b"\xff\xff\xff\xff\x0f", ctype="application/x-protobuf")
    assert st == 400, raw


def test_bad_requests(s):
    _adder(s)
    cases = [
        ("POST", "/v1/score", b"{", "application/json", 400, "malformed"),
        ("POST", "/v1/score", json.dumps({"items": []}).encode(), "application/json", 400, "empty"),
        ("POST", "/v1/score", json.dumps({"itemz": []}).encode(), "application/json", 400, "itemz"),
        ("POST", "/v1/score", json.dumps({"items": [{"problem": "nope", "completion": "x"}]}).encode(),
         "application/json", 404, "nope"),
        ("POST", "/v1/score", json.dumps({"items": [{"problem": 7, "completion": "x"}]}).encode(),
         "application/json", 400, "items[0].problem"),
        ("POST", "/v1/score", json.dumps({"items": [{"problem": "it_adder", "completion": "x"}],
                                          "preset": "best"}).encode(), "application/json", 400, "preset"),
        ("POST", "/v1/score", json.dumps({"items": [{"problem": "it_adder", "completion": "x"}],
                                          "weights": {"speed": 1}}).encode(), "application/json", 400,
         "weights.speed"),
        ("POST", "/v1/score", json.dumps({"items": [{"problem": "it_adder", "completion": "x"}],
                                          "engine": "vcs"}).encode(), "application/json", 400, "engine"),
        ("POST", "/v1/score", b"items=1", "text/plain", 415, "Content-Type"),
        ("GET", "/v1/score", None, None, 405, "POST"),
        ("GET", "/nowhere", None, None, 404, "nowhere"),
        ("POST", "/v1/problems", json.dumps({"id": "../x", "reference": "m", "top": "T"}).encode(),
         "application/json", 400, "id"),
    ]
    for method, path, body, ctype, code, needle in cases:
        st, h, raw = s.request(method, path, body, ctype=ctype)
        assert st == code, (path, body, st, raw)
        assert needle in raw.decode(), (needle, raw)
        if code == 405:
            assert h.get("Allow"), h
    # the error's `field` names the wire field to blame, full path
    fields = [
        ({"itemz": []}, 400, "itemz"),
        ({"items": [{"problme": "x"}]}, 400, "items[0].problme"),
        ({"items": [{"problem": "it_adder", "completion": "x"}, {"problem": "nope"}]}, 404,
         "items[1].problem"),
        ({"items": [{"problem": "it_adder", "completion": "x"}], "weights": {"speed": 1}}, 400,
         "weights.speed"),
        ({"items": []}, 400, "items"),
    ]
    for body, code, field in fields:
        st, err = s.json("POST", "/v1/score", body)
        assert st == code and err["field"] == field and err["code"] == code, (body, st, err)
    # not JSON at all is a syntax error with its position, not a type confusion
    for bad in (b"not json", b"nul", b"tru"):
        st, err = s.json("POST", "/v1/score", bad)
        assert st == 400 and "malformed JSON" in err["error"], (bad, err)
    # oversized completion and body
    big = "x" * (300 << 10)
    st, _, raw = s.request("POST", "/v1/score", json.dumps({"items": [{"problem": "it_adder",
                                                                        "completion": big}]}).encode())
    assert st == 413 and b"completion" in raw, (st, raw)
    # a body announced larger than the cap is refused before it is read
    import socket
    c = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    c.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % (65 << 20))
    head = c.recv(4096)
    c.close()
    assert head.startswith(b"HTTP/1.1 413"), head[:100]
    # the server is still fine
    r, = s.score([("it_adder", GOOD)])
    assert r["reward"] == 1.0


def test_infra_error_not_a_reward(s):
    # A problem whose testbench references a data file that is not there: the golden run fails
    # at preparation; scoring gives INFRA_ERROR and no reward.
    ref = "module RefModule(input a, output y); assign y = a; endmodule\n"
    tb = ("module tb; reg a; wire y; TopModule dut(.a(a), .y(y)); initial begin a = 0; #1;"
          " $display(\"Mismatches: %1d in %1d samples\", y !== a, 1); $finish; end endmodule\n")
    st, p = s.json("POST", "/v1/problems", {"id": "it_tb_ok", "reference": ref, "top": "TopModule",
                                             "ref_top": "RefModule", "mode": "testbench", "testbench": tb})
    assert st == 201, p
    good = fence("module TopModule(input a, output y); assign y = a; endmodule")
    r, = s.score([("it_tb_ok", good)])
    assert r["status"] == "OK" and r["function"]["passed"], r
    # A testbench the golden itself cannot pass (it never prints a verdict): the problem is
    # registered, but scoring in testbench mode is the server's failure, not the candidate's:
    # INFRA_ERROR with the reason and reward 0, never cached; /get_reward answers 503 so that
    # OpenRLHF retries instead of learning a fake zero.
    tb_bad = ("module tb; reg a; wire y; TopModule dut(.a(a), .y(y)); initial begin a = 0; #1;"
              " $display(\"no verdict\"); end endmodule\n")
    st, p = s.json("POST", "/v1/problems", {"id": "it_tb_bad", "reference": ref, "top": "TopModule",
                                             "ref_top": "RefModule", "mode": "testbench", "testbench": tb_bad})
    assert st == 201, p
    for _ in range(2):
        r, = s.score([("it_tb_bad", good)])
        assert r["status"] == "INFRA_ERROR" and r["reward"] == 0.0 and not r["cached"], r
        assert "golden does not pass its own testbench" in r["error"], r
    st, e = s.json("POST", "/get_reward", {"query": [good], "prompts": [""], "labels": ["it_tb_bad"]})
    assert st == 503 and "INFRA_ERROR" in e["error"] and e["field"] == "labels", (st, e)
    # the same candidate on a usable problem is still fine
    r, = s.score([("it_tb_ok", good)])
    assert r["status"] == "OK" and r["reward"] == 1.0, r
