"""docker/ and deploy/ name only flags the server has (no Docker engine or cluster here: what
can be checked without one is that the image's entrypoint and the manifests' arguments are
flags the binary accepts, and that the manifests use the endpoints the server serves)."""
import json
import os
import re
import subprocess

import harness

ROOT = harness.ROOT


def _server_flags():
    binary = os.environ.get("RTLR_SERVER") or os.path.join(ROOT, "build", "rtlreward-server")
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    text = out.stdout + out.stderr
    return set(re.findall(r"^\s+(--[a-z][a-z-]*)", text, re.M))


def _args_in(path):
    """The server arguments a file passes: the Dockerfile's ENTRYPOINT array, and the
    `args:`/`command:` arrays of the YAML files."""
    text = harness.read(path)
    found = []
    if os.path.basename(path) == "Dockerfile":
        m = re.search(r"^ENTRYPOINT\s+(\[.*?\])\s*$", text.replace("\\\n", " "), re.M | re.S)
        assert m, "no ENTRYPOINT in %s" % path
        found += json.loads(m.group(1))[1:]
    for m in re.finditer(r"^\s*(?:args|command):\s*(\[.*\])\s*$", text, re.M):
        found += json.loads(m.group(1))
    return [a for a in found if a.startswith("--")]


def test_image_and_manifests_use_real_flags(s):
    flags = _server_flags()
    assert {"--port", "--bind", "--cache-dir", "--workers"} <= flags, flags
    files = [os.path.join(ROOT, "docker", "Dockerfile"), os.path.join(ROOT, "deploy", "compose.yaml")]
    kdir = os.path.join(ROOT, "deploy", "k8s")
    files += [os.path.join(kdir, f) for f in sorted(os.listdir(kdir)) if f.endswith(".yaml")]
    seen = 0
    for path in files:
        args = _args_in(path)
        seen += len(args)
        unknown = [a for a in args if a not in flags]
        assert not unknown, "%s passes flags the server does not have: %s" % (path, unknown)
    assert seen >= 5, seen
    # the probes and health checks use an endpoint the server answers
    for path in files:
        for ep in re.findall(r"(/healthz|/metrics)", harness.read(path)):
            st, _, _ = s.request("GET", ep)
            assert st == 200, (path, ep, st)
