"""rtlreward client and trainer adapters (Python 3 standard library only).

    from rtlreward_client import Client
    c = Client("http://127.0.0.1:8080")
    results = c.score([("add8_cout", completion_text)], preset="hierarchical")
    results[0]["reward"], results[0]["function"]["pass_rate"]

Trainer adapters (the URL comes from RTLREWARD_URL, default http://127.0.0.1:8080):

- verl, custom reward function (`custom_reward_function.path` = this file):
    name `compute_score`: compute_score(data_source, solution_str, ground_truth, extra_info)
    -> {"score": float, ...}; `ground_truth` is the problem id.
    name `compute_score_batch` for verl's `batch` reward manager: lists in, list out.
- TRL GRPOTrainer: `reward_funcs=[trl_reward]` with a dataset column `problem` (the problem id);
    returns None for a sample the server could not score (INFRA_ERROR), which TRL excludes.
- OpenRLHF needs no adapter: `--reward.remote_url http://HOST:8080/get_reward` with the
  problem id as the label.

A sample whose result is INFRA_ERROR is the server's failure, not the model's: the adapters
never turn it into a reward of 0. TRL gets None (the sample is left out); verl needs a float,
so compute_score raises RewardUnavailable and leaves the decision to verl's error handling.
Overload (429) is retried after the server's Retry-After, up to `retries` times.

Tokens: a server started with --token-file wants "Authorization: Bearer TOKEN" on every route
but /healthz and /metrics. The client sends `token`, or when it is not given the environment
variable RTLREWARD_TOKEN (a scorer token to score, an admin token to register problems).
"""
import json
import os
import time
import urllib.error
import urllib.request

DEFAULT_URL = os.environ.get("RTLREWARD_URL", "http://127.0.0.1:8080")


class RewardUnavailable(RuntimeError):
    """The server could not score a sample (INFRA_ERROR), or could not be reached."""


class RequestError(ValueError):
    """The server refused the request (4xx): `field` names the wire field to blame."""

    def __init__(self, status, error, field):
        super().__init__("%d: %s" % (status, error))
        self.status, self.error, self.field = status, error, field


class Client:
    def __init__(self, url=None, timeout=600.0, retries=5, token=None):
        self.url = (url or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.token = token if token is not None else (os.environ.get("RTLREWARD_TOKEN") or None)

    def _headers(self):
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token.strip()
        return h

    def _post(self, path, body):
        data = json.dumps(body).encode()
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(self.url + path, data=data, method="POST",
                                         headers=self._headers())
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    return json.loads(r.read().decode())
            except urllib.error.HTTPError as e:
                raw = e.read()
                if e.code in (429, 503) and attempt < self.retries:
                    time.sleep(float(e.headers.get("Retry-After") or 1))
                    continue
                try:
                    err = json.loads(raw.decode())
                except ValueError:
                    err = {"error": raw.decode(errors="replace"), "field": ""}
                if 400 <= e.code < 500 and e.code != 429:
                    raise RequestError(e.code, err.get("error", ""), err.get("field", ""))
                raise RewardUnavailable("%s%s: HTTP %d: %s" % (self.url, path, e.code,
                                                             err.get("error", "")))
            except (urllib.error.URLError, OSError) as e:
                if attempt < self.retries:
                    time.sleep(1)
                    continue
                raise RewardUnavailable("%s%s: %s" % (self.url, path, e))
        raise RewardUnavailable("%s%s: still busy after %d retries" % (self.url, path, self.retries))

    def score(self, items, preset=None, weights=None, engine=None, mode=None, seed=None):
        """items: [(problem_id, completion)]. Returns the results, in order (dicts as the
        server's JSON: status, reward, format, syntax, interface, function, ppa, ...)."""
        body = {"items": [{"problem": p, "completion": c} for p, c in items]}
        for k, v in (("preset", preset), ("weights", weights), ("engine", engine),
                     ("mode", mode), ("seed", seed)):
            if v is not None:
                body[k] = v
        return self._post("/v1/score", body)["results"]

    def register(self, problem):
        """problem: {"id", "reference", "top", ...} (see the README). Returns the stored problem."""
        return self._post("/v1/problems", problem)


def _reward(result):
    """The reward of one result, or None when the server could not score it."""
    return result["reward"] if result["status"] == "OK" else None


def _extra(result):
    f = result["function"]
    return {"syntax_ok": result["syntax"]["ok"], "interface_ok": result["interface"]["ok"],
            "pass_rate": f["pass_rate"], "passed": f["passed"], "cached": result["cached"]}


_client = None


def _default_client():
    global _client
    if _client is None:
        _client = Client()
    return _client


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's custom reward function. ground_truth: the problem id. Extra keyword arguments
    (from `reward_kwargs`) may set preset, weights, engine, mode."""
    r, = _default_client().score([(ground_truth, solution_str)], **_opts(kwargs))
    if r["status"] != "OK":
        raise RewardUnavailable("%s: %s" % (ground_truth, r["error"]))
    out = {"score": r["reward"]}
    out.update(_extra(r))
    return out


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """verl's `batch` reward manager: one request for the whole batch."""
    res = _default_client().score(list(zip(ground_truths, solution_strs)), **_opts(kwargs))
    bad = [r for r in res if r["status"] != "OK"]
    if bad:
        raise RewardUnavailable("%d of %d samples not scored: %s" % (len(bad), len(res),
                                                                     bad[0]["error"]))
    out = []
    for r in res:
        d = {"score": r["reward"]}
        d.update(_extra(r))
        out.append(d)
    return out


def _opts(kwargs):
    return {k: kwargs[k] for k in ("preset", "weights", "engine", "mode", "seed") if k in kwargs}


def _text(completion):
    """TRL completions are strings, or for conversational data lists of {role, content}."""
    if isinstance(completion, str):
        return completion
    return "".join(m.get("content", "") for m in completion if m.get("role") == "assistant")


def make_trl_reward(client=None, problem_column="problem", **opts):
    """A TRL reward function: f(prompts, completions, **columns) -> [float | None]."""
    def trl_reward(prompts=None, completions=None, **kw):
        pids = kw[problem_column]
        res = (client or _default_client()).score(
            [(p, _text(c)) for p, c in zip(pids, completions)], **opts)
        return [_reward(r) for r in res]
    trl_reward.__name__ = "rtlreward"
    return trl_reward


trl_reward = make_trl_reward()
