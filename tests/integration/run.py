#!/usr/bin/env python3
"""Integration tests: the real server, the real tools, over HTTP on 127.0.0.1.

Starts build/rtlreward-server on a free loopback port with a private cache and job directory,
runs every test_* function of the modules listed below, and prints one line per test and a
closing 'N passed, N failed, N skipped' line. Exit status 1 when anything failed.

Environment: RTLR_SERVER (the binary), SHARED (../shared, optional: tests that need the
third-party data skip with a message when it is absent), RTLR_ONLY (substring filter; several: comma-separated).
"""
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

# The foundation's modules first, in this order; any other test_*.py after them, sorted.
FIRST = ["test_api", "test_builtin", "test_mutants", "test_conformance"]


def modules():
    here = os.path.dirname(os.path.abspath(__file__))
    rest = sorted(f[:-3] for f in os.listdir(here)
                  if f.startswith("test_") and f.endswith(".py") and f[:-3] not in FIRST)
    return FIRST + rest


def main():
    server = harness.Server.start()
    passed = failed = skipped = 0
    only = os.environ.get("RTLR_ONLY", "")
    try:
        for modname in modules():
            mod = __import__(modname)
            for name in sorted(n for n in dir(mod) if n.startswith("test_")):
                full = "%s.%s" % (modname, name)
                if only and not any(o and o in full for o in only.split(",")):
                    continue
                t0 = time.time()
                try:
                    getattr(mod, name)(server)
                    passed += 1
                    print("PASS %s (%.1fs)" % (full, time.time() - t0), flush=True)
                except harness.Skip as e:
                    skipped += 1
                    print("SKIP %s: %s" % (full, e), flush=True)
                except Exception:  # noqa: BLE001 - report every failure and go on
                    failed += 1
                    print("FAIL %s (%.1fs)" % (full, time.time() - t0), flush=True)
                    traceback.print_exc()
                if server.proc.poll() is not None:
                    print("FAIL server died with status %s" % server.proc.returncode)
                    failed += 1
                    server = harness.Server.start()
    finally:
        server.stop()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
