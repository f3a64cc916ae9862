#!/usr/bin/env python3
"""Engine-level group-vs-single identity of the Icarus group check (docs/group_icarus.md) on
every VerilogEval problem: the reference, two rewrites (a comment; an unused module `helper`,
so every candidate of a problem defines `helper`), the mutants of
tests/integration/test_mutants.py and pairs of them (up to 10 per problem), preprocessed with
`verilator -E` as the pipeline does; bench/icarus_group_identity.c scores each alone and all of
a problem's as one group and prints every difference. Exit 1 on a difference.

Environment: SHARED, RTLR_BUILD (default build/), RTLR_PROBE, RTLR_IDENTITY_ONLY (substring of
problem ids).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import test_mutants  # noqa: E402

SHARED = os.environ.get("SHARED") or os.path.join(ROOT, "..", "shared")
BUILD = os.environ.get("RTLR_BUILD") or os.path.join(ROOT, "build")
VEVAL = os.path.join(SHARED, "data", "verilog-eval", "dataset_spec-to-rtl")


def candidates(ref):
    cs = [ref, ref + "\n// rewrite\n",
          ref + "\nmodule helper(input a, output y); assign y = ~a; endmodule\n"]
    for k in range(len(test_mutants.OPS)):
        m, c = test_mutants._mutate(ref, k)
        if c and m not in cs:
            cs.append(m)
            for k2 in range(k + 1, len(test_mutants.OPS)):
                m2, c2 = test_mutants._mutate(m, k2)
                if c2 and m2 not in cs and len(cs) < 10:
                    cs.append(m2)
    return cs


def main():
    if not os.path.isdir(VEVAL):
        print("skip: %s absent" % VEVAL)
        return 0
    tmp = tempfile.mkdtemp(prefix="rtlr-icgid-")
    try:
        cdir = os.path.join(tmp, "cands")
        for f in sorted(os.listdir(VEVAL)):
            if not f.endswith("_ref.sv"):
                continue
            pid = f[:-7]
            ref = re.sub(r"\bRefModule\b", "TopModule", open(os.path.join(VEVAL, f)).read())
            d = os.path.join(cdir, pid)
            os.makedirs(d)
            for i, c in enumerate(candidates(ref)):
                raw = os.path.join(d, "raw%d.v" % i)
                open(raw, "w").write(c)
                r = subprocess.run(["verilator", "-E", raw], capture_output=True, text=True)
                if r.returncode == 0:
                    open(os.path.join(d, "c%d.v" % i), "w").write(r.stdout)
        exe = os.path.join(tmp, "icarus_group_identity")
        flags = subprocess.check_output(["pkg-config", "--cflags", "--libs", "libmicrohttpd",
                                         "libprotobuf-c", "json-c", "libseccomp", "libcrypto",
                                         "zlib", "sqlite3", "hiredis"], text=True).split()
        inc = ["-I" + os.path.join(ROOT, x) for x in ("common", "sandbox", "reward", "server")]
        subprocess.check_call(["cc", "-std=gnu11", "-O2", "-D_GNU_SOURCE"] + inc +
                              ["-I" + os.path.join(BUILD, "proto"), "-o", exe,
                               os.path.join(HERE, "icarus_group_identity.c"),
                               os.path.join(BUILD, "librtlr.a"), "-pthread", "-lm"] + flags)
        env = dict(os.environ)
        env.setdefault("RTLR_PROBE", os.path.join(BUILD, "sb-probe"))
        args = [exe, os.path.join(tmp, "run"), VEVAL, cdir]
        if os.environ.get("RTLR_IDENTITY_ONLY"):
            args.append(os.environ["RTLR_IDENTITY_ONLY"])
        os.makedirs(os.path.join(tmp, "run"))
        r = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
        print(r.stdout, end="")
        return r.returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
