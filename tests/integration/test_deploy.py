"""docker/ and deploy/ name only flags the server has (no Docker engine or cluster here: what
can be checked without one is that the image's entrypoint and the manifests' arguments are
flags the binary accepts, and that the manifests use the endpoints the server serves)."""
import json
import os
import re
import shutil
import subprocess
import tempfile

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
        arr = json.loads(m.group(1))
        if arr and arr[0] == "redis-server":
            continue          # the shared cache's own container: checked by test_redis_args
        found += arr
    return [a for a in found if a.startswith("--")]


def _redis_commands(path):
    text = harness.read(path)
    return [json.loads(m.group(1)) for m in
            re.finditer(r"^\s*command:\s*(\[\s*\"redis-server\".*\])\s*$", text, re.M)]


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


def test_redis_args_and_server_flags(s):
    """The manifests' Redis runs with the arguments they give it (a real redis-server started
    here with them, on loopback, answers PING), and every rtlreward container that names a
    Redis does so with --redis HOST:PORT of a Redis the same file defines."""
    import shutil
    import socket
    import tempfile
    if not shutil.which("redis-server"):
        raise harness.Skip("redis-server not installed")
    kdir = os.path.join(ROOT, "deploy", "k8s")
    files = [os.path.join(ROOT, "deploy", "compose.yaml")] + \
        [os.path.join(kdir, f) for f in sorted(os.listdir(kdir)) if f.endswith(".yaml")]
    seen = 0
    for path in files:
        text = harness.read(path)
        for cmd in _redis_commands(path):
            seen += 1
            with socket.socket() as so:
                so.bind(("127.0.0.1", 0))
                port = so.getsockname()[1]
            d = tempfile.mkdtemp(prefix="rtlr-redis-")
            p = subprocess.Popen(cmd + ["--port", str(port), "--bind", "127.0.0.1", "--dir", d],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            try:
                def pong():
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                            c.sendall(b"PING\r\n")
                            return c.recv(16).startswith(b"+PONG")
                    except OSError:
                        return False
                assert harness.wait_for(pong, timeout=10), (path, cmd, p.poll())
            finally:
                p.terminate()
                p.wait(timeout=10)
                shutil.rmtree(d, ignore_errors=True)
        for m in re.finditer(r'"--redis", "([^"]+)"', text):
            host, _, port = m.group(1).rpartition(":")
            assert host and port.isdigit(), m.group(0)
            assert re.search(r"(name:\s*%s\b|^  %s:)" % (re.escape(host), re.escape(host)),
                             text, re.M), (path, host)
    assert seen >= 2, seen


def test_network_binds_carry_tokens(s):
    """The image listens on 0.0.0.0, and the server refuses that without --token-file (or
    --insecure-no-auth): every manifest that runs it names a token file, and that file comes
    from a secret mounted where the flag says (a Kubernetes Secret volume, a compose secret
    under /run/secrets). No manifest turns authentication off."""
    text = harness.read(os.path.join(ROOT, "docker", "Dockerfile")).replace("\\\n", " ")
    m = re.search(r'^ENTRYPOINT\s+(\[.*?\])\s*$', text, re.M | re.S)
    argv = json.loads(m.group(1))
    assert argv[argv.index("--bind") + 1] == "0.0.0.0", argv
    assert "--token-file" not in argv and "--insecure-no-auth" not in argv, argv
    kdir = os.path.join(ROOT, "deploy", "k8s")
    files = [os.path.join(ROOT, "deploy", "compose.yaml")] + \
        [os.path.join(kdir, f) for f in sorted(os.listdir(kdir)) if f.endswith(".yaml")]
    seen = 0
    for path in files:
        text = harness.read(path)
        for m in re.finditer(r"^\s*(?:args|command):\s*(\[.*\])\s*$", text, re.M):
            arr = json.loads(m.group(1))
            if arr and arr[0] == "redis-server":
                continue
            seen += 1
            assert "--insecure-no-auth" not in arr, path
            assert "--token-file" in arr, (path, arr)
            tf = arr[arr.index("--token-file") + 1]
            if path.endswith("compose.yaml"):
                name = re.match(r"/run/secrets/([A-Za-z0-9_.-]+)$", tf)
                assert name, tf
                assert re.search(r"^secrets:\s*\n\s+%s:\s*\n\s+file:" % re.escape(name.group(1)), text, re.M), path
                assert re.search(r"^\s+secrets:\s*\[%s\]" % re.escape(name.group(1)), text, re.M), path
            else:
                d = os.path.dirname(tf)
                vm = re.search(r"\{name: (\S+), mountPath: %s(?:,[^}]*)?\}" % re.escape(d), text)
                assert vm, (path, d)
                assert re.search(r"- name: %s\s*\n\s+secret: \{secretName: [a-z0-9-]+" % re.escape(vm.group(1)),
                                 text), (path, vm.group(1))
    assert seen >= 2, seen
    # the token file format the manifests' comments show is the one the server takes
    d = tempfile.mkdtemp(prefix="rtlr-deploytok-")
    try:
        tok = os.path.join(d, "tokens")
        with open(tok, "w") as f:
            f.write("admin %s\nscorer %s\n" % ("a" * 48, "b" * 48))
        srv = harness.Server.start(extra=["--no-builtin", "--token-file", tok])
        try:
            st, _, _ = srv.request("GET", "/v1/problems", headers={"Authorization": "Bearer " + "b" * 48})
            assert st == 200, st
            st, _, _ = srv.request("GET", "/v1/problems")
            assert st == 401, st
        finally:
            srv.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)
