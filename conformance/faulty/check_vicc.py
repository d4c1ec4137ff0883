#!/usr/bin/env python3
"""Runs sdconform --device vicc (vsmartcard's Python card in a private pcscd) and checks what it
says, without expecting vicc to conform.

usage: check_vicc.py REPORT_DIR -- SDCONFORM [ARGS...]

Checks: the run reached vicc (report.json exists, the device attributes show vicc's ATR
3B 95 13 81 01 80 73 FF 01 00 0B, at least one test passed); the exit status is 1 exactly when
a test failed or crashed and 0 when none did (never 2 or 3); every failure has a reason.
Exit status 77 (skipped) only when vicc is not installed (Debian package vsmartcard-vpicc)."""
import json
import os
import subprocess
import sys

VICC_ATR = "3B 95 13 81 01 80 73 FF 01 00 0B"


def fail(msg):
    print("check_vicc: FAIL: " + msg)
    sys.exit(1)


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__)
        sys.exit(2)
    report_dir = sys.argv[1]
    if not os.path.exists("/usr/bin/vicc"):
        print("check_vicc: SKIP: /usr/bin/vicc is not installed (Debian package "
              "vsmartcard-vpicc; tools/test installs it)")
        sys.exit(77)
    path = os.path.join(report_dir, "report.json")
    if os.path.exists(path):
        os.remove(path)
    cmd = sys.argv[3:] + ["--device", "vicc", "--report", report_dir]
    rc = subprocess.run(cmd, timeout=1200).returncode
    try:
        with open(path, encoding="utf-8") as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        fail("exit status %d, report.json not readable: %s" % (rc, e))
    dev = rep["device"]
    if "vicc" not in dev["spec"] or dev["attributes"]["Atr"] != VICC_ATR:
        fail("the device is not vicc: %s, ATR %s" % (dev["spec"], dev["attributes"]["Atr"]))
    tests = rep["tests"]
    bad = [t for t in tests if t["result"] not in ("pass", "skip")]
    passed = [t for t in tests if t["result"] == "pass"]
    if not passed:
        fail("no test passed: the suite did not reach the card")
    if rc not in (0, 1) or (rc == 1) != bool(bad):
        fail("exit status %d with %d failed tests" % (rc, len(bad)))
    for t in bad:
        if not t["message"]:
            fail("%s/%s failed without a reason" % (t["suite"], t["name"]))
    for t in bad[:15]:
        print("  vicc deviates: %s/%s: %s" % (t["suite"], t["name"], t["message"][:160]))
    print("check_vicc: OK (exit status %d: %d tests, %d passed, %d failed, %d skipped)"
          % (rc, len(tests), len(passed), len(bad), len(tests) - len(passed) - len(bad)))


main()
