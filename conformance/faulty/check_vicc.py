#!/usr/bin/env python3
"""Runs sdconform --device vicc (vsmartcard's Python card in a private pcscd) and checks what it
says, without expecting vicc to conform.

usage: check_vicc.py REPORT_DIR -- SDCONFORM [ARGS...]

Runs with --allow-destructive (vicc is a fresh card each run: nothing of value is changed) and
without --card, so that sdconform picks vicc's card description itself.

Checks: the run reached vicc (report.json exists, the device attributes show vicc's ATR
3B 95 13 81 01 80 73 FF 01 00 0B, at least one test passed); sdconform used vicc's card
description (vectors/conformance/cards/vicc-iso7816.yaml); the objects of vicc's device
description were found and vicc answered for them (the level-1 tests in FOUND passed: the
containers by label and by FID, the application opened by its AID on vicc); no test failed
because the card was missing (a crashed vicc is restarted before the next test); the exit
status is 1 exactly when a test failed or crashed and 0 when none did (never 2 or 3); every
failure has a reason.
Exit status 77 (skipped) only when vicc is not installed (Debian package vsmartcard-vpicc)."""
import json
import os
import subprocess
import sys

VICC_ATR = "3B 95 13 81 01 80 73 FF 01 00 0B"
VICC_CARD = "vicc-iso7816.yaml"
# Level-1 tests that pass only when the device description matched vicc (its containers found
# by label and FID, with their identifiers) and vicc holds the image's application.
FOUND = ["L1_SecurityDeviceApplication/findObject_by_label",
         "L1_SecurityDeviceApplication/findObjectByIdentifier_finds",
         "L1_Object/getIdentifier_returns_the_fid",
         "L1_RootApplication/openApplication_by_aid"]


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
    cmd = sys.argv[3:] + ["--device", "vicc", "--allow-destructive", "--report", report_dir]
    rc = subprocess.run(cmd, timeout=1200).returncode
    try:
        with open(path, encoding="utf-8") as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        fail("exit status %d, report.json not readable: %s" % (rc, e))
    dev = rep["device"]
    if "vicc" not in dev["spec"] or dev["attributes"]["Atr"] != VICC_ATR:
        fail("the device is not vicc: %s, ATR %s" % (dev["spec"], dev["attributes"]["Atr"]))
    card = rep["run"]["card"] or ""
    if not card.endswith(VICC_CARD):
        fail("the run used the card description %r, not %s" % (card, VICC_CARD))
    tests = rep["tests"]
    bad = [t for t in tests if t["result"] not in ("pass", "skip")]
    passed = [t for t in tests if t["result"] == "pass"]
    if not passed:
        fail("no test passed: the suite did not reach the card")
    result = {"%s/%s" % (t["suite"], t["name"]): t for t in tests}
    for name in FOUND:
        t = result.get(name)
        if t is None:
            fail("%s did not run" % name)
        if t["result"] != "pass":
            fail("%s: %s (%s): vicc's device description was not used or vicc lacks the "
                 "image" % (name, t["result"], t["message"][:200]))
    for t in bad:
        m = t["message"]
        if "SecurityDeviceNotFound" in m or m.startswith(
                "in setup or teardown: isoIec23465_connectSecurityDeviceBySpec"):
            fail("%s/%s could not connect: %s (vicc was not back after a crash)"
                 % (t["suite"], t["name"], m[:200]))
    if rc not in (0, 1) or (rc == 1) != bool(bad):
        fail("exit status %d with %d failed tests" % (rc, len(bad)))
    for t in bad:
        if not t["message"]:
            fail("%s/%s failed without a reason" % (t["suite"], t["name"]))
    for t in bad[:15]:
        print("  failed: %s/%s: %s" % (t["suite"], t["name"], t["message"][:160]))
    print("check_vicc: OK (exit status %d: %d tests, %d passed, %d failed, %d skipped)"
          % (rc, len(tests), len(passed), len(bad), len(tests) - len(passed) - len(bad)))


main()
