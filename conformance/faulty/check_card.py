#!/usr/bin/env python3
"""Checks sdconform's physical-card options with the emulator behind pcscd standing in for a
physical card (sdemu run; with --card the device counts as physical, see docs/conformance.md).

usage: check_card.py SDEMU SDCONFORM CARD.yaml WORK_DIR

Runs, each in its own sdemu run (reference profile):
  1. without --card: the tests that need a card description are skipped, naming --card;
  2. with --card, without --allow-destructive: the destructive tests are skipped, naming
     --allow-destructive, the others that need the description ran; the exit status is 0
     exactly when no test failed;
  3. with --card --allow-destructive after `sdemu ctl set-pin-tries 01 1`: the tests that
     would present a value to 'user' are skipped ("never spends the last try") and the card
     still has 1 try afterwards;
  4. --expect-serial with a wrong serial: exit status 3, a message naming both serials, no
     test run; with the card's serial (from the description): the run goes on;
  5. with --card --allow-destructive: exit status 0 exactly when every test that ran passed,
     and the destructive tests ran.
Each run writes its report to WORK_DIR/<n>/."""
import json
import os
import shutil
import subprocess
import sys

# Tests (suite/name) that need a card description, and those of them that are destructive.
NEEDS_CARD = [
    "L1_Authenticator/getMaxTries_of_described_passwords",
    "L1_Authenticator/getRemainingTries_of_described_passwords",
    "L1_Authenticator/getRemainingTries_refuses_bad_arguments_described",
    "L1_Authenticator/getStatus_follows_described_verify",
    "L1_Password/getLengthRange_of_described_passwords",
    "L1_Password/getLengthRange_refuses_bad_arguments",
    "L1_Password/verify_described_value",
    "L1_Password/verify_wrong_value_then_restore",
    "L1_Password/verify_refuses_described_bad_lengths",
    "L1_DataContainer/setData_described_container_and_restore",
]
DESTRUCTIVE = [
    "L1_Password/verify_wrong_value_then_restore",
    "L1_Password/verify_refuses_described_bad_lengths",
    "L1_DataContainer/setData_described_container_and_restore",
]
# Tests that present a value to the password 'user' (skipped when it has one try left).
PRESENT_USER = [
    "L1_Authenticator/getStatus_follows_described_verify",
    "L1_Password/verify_described_value",
    "L1_Password/verify_wrong_value_then_restore",
    "L1_Password/verify_refuses_described_bad_lengths",
    "L1_DataContainer/setData_described_container_and_restore",
]
FILTER = "L1_Authenticator/*described*"


def fail(msg):
    print("check_card: FAIL: " + msg)
    sys.exit(1)


def run(sdemu, inner, work, n, shell=False):
    """sdemu run -- INNER (a list, or a shell script with $SDCONFORM, $REPORT); returns
    (exit status, output, report or None)."""
    report = os.path.join(work, str(n))
    shutil.rmtree(report, ignore_errors=True)
    # Only the C suites: the cases as data (vectors/conformance) have their own tests, and their
    # non-blocking calls do not pass through the API table that guards the PINs.
    empty = os.path.join(work, "no-cases")
    os.makedirs(empty, exist_ok=True)
    env = dict(os.environ, REPORT=report, SDCONFORM_CASES=empty)
    cmd = [sdemu, "run", "--"] + (["sh", "-c", inner] if shell else inner + ["--report", report])
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=600)
    out = p.stdout.decode(errors="replace")
    path = os.path.join(report, "report.json")
    rep = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            rep = json.load(f)
    print("-- run %d: exit status %d" % (n, p.returncode))
    return p.returncode, out, rep


def by_name(rep):
    return {t["suite"] + "/" + t["name"]: t for t in rep["tests"]}


def failed(rep):
    return [k for k, t in by_name(rep).items() if t["result"] not in ("pass", "skip")]


def check_status_matches(rc, rep, n):
    bad = failed(rep)
    if rc not in (0, 1) or (rc == 0) != (not bad):
        fail("run %d: exit status %d with %d failed tests %s" % (n, rc, len(bad), bad[:5]))


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        sys.exit(2)
    sdemu, sdconform, card, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    with open(card, encoding="utf-8") as f:
        serial = [l.split(":", 1)[1].strip() for l in f if l.startswith("serial:")][0]

    # 1. no card description
    rc, out, rep = run(sdemu, [sdconform], work, 1)
    if not rep:
        fail("run 1: no report.json:\n" + out[-3000:])
    tests = by_name(rep)
    for k in NEEDS_CARD:
        t = tests.get(k)
        if not t or t["result"] != "skip" or "--card" not in t["message"]:
            fail("run 1: %s: expected skip naming --card, got %s" % (k, t and (t["result"], t["message"])))
    check_status_matches(rc, rep, 1)

    # 2. card description, destructive tests not allowed
    rc, out, rep = run(sdemu, [sdconform, "--card", card], work, 2)
    if not rep:
        fail("run 2: no report.json:\n" + out[-3000:])
    tests = by_name(rep)
    for k in NEEDS_CARD:
        t = tests[k]
        if k in DESTRUCTIVE:
            if t["result"] != "skip" or "--allow-destructive" not in t["message"]:
                fail("run 2: %s: expected skip naming --allow-destructive, got %s: %s"
                     % (k, t["result"], t["message"]))
        elif t["result"] == "skip":
            fail("run 2: %s skipped with a card description: %s" % (k, t["message"]))
    if rep["run"]["card_name"] is None or rep["run"]["allow_destructive"]:
        fail("run 2: report.json 'run' does not show the options: %s" % rep["run"])
    check_status_matches(rc, rep, 2)

    # 3. one try left on 'user': nothing presents a value to it, the counter stays at 1
    script = ('sdemu_ctl() { "%s" ctl "$SDEMU_CONTROL" "$@"; }; '
              'sdemu_ctl set-pin-tries 01 1 >/dev/null || exit 90; '
              '"%s" --card "%s" --allow-destructive --report "$REPORT"; rc=$?; '
              'echo "tries-after: $(sdemu_ctl pin-tries 01)"; exit $rc' % (sdemu, sdconform, card))
    rc, out, rep = run(sdemu, script, work, 3, shell=True)
    if not rep:
        fail("run 3: no report.json:\n" + out[-3000:])
    tests = by_name(rep)
    for k in PRESENT_USER:
        t = tests[k]
        if t["result"] != "skip" or "last try" not in t["message"]:
            fail("run 3: %s: expected skip for the last try, got %s: %s"
                 % (k, t["result"], t["message"]))
    # verify_described_value has no counter check of its own: the suite's guard skipped it
    msg = tests["L1_Password/verify_described_value"]["message"]
    if not msg.startswith("Password_verify on 'user': 1 try left"):
        fail("run 3: the guard in the API table did not act: %s" % msg)
    if "tries-after: ok 1" not in out:
        fail("run 3: the user PIN's counter changed: %s"
             % [l for l in out.splitlines() if l.startswith("tries-after")])
    check_status_matches(rc, rep, 3)

    # 4. --expect-serial
    rc, out, rep = run(sdemu, [sdconform, "--card", card, "--expect-serial", "NOT-" + serial,
                               "--filter", FILTER], work, 4)
    if rc != 3 or "NOT-" + serial not in out or "serial number is " + serial not in out:
        fail("run 4: expected exit status 3 naming both serials, got %d:\n%s" % (rc, out[-2000:]))
    if rep is not None:
        fail("run 4: tests ran against a refused device")
    rc, out, rep = run(sdemu, [sdconform, "--card", card, "--expect-serial", serial,
                               "--filter", FILTER], work, 5)
    if rc == 3 or not rep:
        fail("run 5: the right serial was refused (%d):\n%s" % (rc, out[-2000:]))
    check_status_matches(rc, rep, 5)

    # 5. everything allowed
    rc, out, rep = run(sdemu, [sdconform, "--card", card, "--allow-destructive"], work, 6)
    if not rep:
        fail("run 6: no report.json:\n" + out[-3000:])
    tests = by_name(rep)
    for k in DESTRUCTIVE:
        if tests[k]["result"] == "skip":
            fail("run 6: %s skipped with --allow-destructive: %s" % (k, tests[k]["message"]))
    check_status_matches(rc, rep, 6)
    print("check_card: OK (run 6: %d tests, %d failed: %s)"
          % (len(tests), len(failed(rep)), failed(rep)[:10]))


main()
