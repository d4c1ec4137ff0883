#!/usr/bin/env python3
"""Runs sdconform and checks its exit status and report.json.

usage: check_report.py MODE ARG REPORT_DIR -- SDCONFORM [ARGS...]
  MODE pass      ARG ignored: exit status 0, every test passed
  MODE failures  ARG = file of suite/test lines: exit status 1, exactly those tests failed,
                 each with an expected and an actual status in the report
  MODE missing   ARG = text every failure message must contain: exit status 1, every test
                 failed, none crashed
The report directory is passed to sdconform with --report."""
import json
import os
import subprocess
import sys


def fail(msg):
    print("check_report: FAIL: " + msg)
    sys.exit(1)


def main():
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        print(__doc__)
        sys.exit(2)
    mode, arg, report_dir = sys.argv[1:4]
    cmd = sys.argv[5:] + ["--report", report_dir]
    path = os.path.join(report_dir, "report.json")
    if os.path.exists(path):
        os.remove(path)
    rc = subprocess.run(cmd).returncode
    try:
        with open(path, encoding="utf-8") as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        fail("report.json not readable: %s" % e)
    html = os.path.join(report_dir, "report.html")
    if not os.path.exists(html) or os.path.getsize(html) == 0:
        fail("report.html missing")
    with open(html, encoding="utf-8") as f:
        page = f.read()
    for section in ("Security device", "Proxy", "Verdict per level", "Failures", "API functions"):
        if "<h2>%s</h2>" % section not in page:
            fail("report.html lacks the section " + section)
    for external in ("src=", "href=", "@import", "url("):
        if external in page:
            fail("report.html refers to an external resource (%s)" % external)
    tests = rep["tests"]
    if not tests:
        fail("no tests in the report")
    failed = {t["suite"] + "/" + t["name"]: t for t in tests if t["result"] not in ("pass", "skip")}
    crashed = [k for k, t in failed.items() if t["result"] == "crash"]
    if mode == "pass":
        if rc != 0 or failed:
            fail("exit status %d, failed: %s" % (rc, sorted(failed)))
    elif mode == "failures":
        with open(arg, encoding="utf-8") as f:
            want = {l.strip() for l in f if l.strip() and not l.startswith("#")}
        if rc != 1:
            fail("exit status %d, expected 1" % rc)
        if set(failed) != want:
            fail("failed tests differ: unexpected %s, missing %s"
                 % (sorted(set(failed) - want), sorted(want - set(failed))))
        for k, t in failed.items():
            if not t["expected"] or not t["actual"] or not t["failed_call"]:
                fail("%s: no expected/actual status in the report: %s" % (k, t["message"]))
            # the faulty proxy wraps libsdproxy, which records: every failure carries its trace
            if not t.get("trace") or "# sdtrace 1" not in t["trace"] or "\n> " not in t["trace"]:
                fail("%s: no APDU trace in report.json (%s)" % (k, t.get("trace_note")))
            print("  %s: %s expected %s, got %s" % (k, t["failed_call"], t["expected"], t["actual"]))
        if page.count("APDU trace of this test") != len(failed):
            fail("report.html shows %d APDU traces for %d failures"
                 % (page.count("APDU trace of this test"), len(failed)))
        # the trace is escaped: a response line starts with "&lt; ", never with a raw "<"
        if "\n&lt; " not in page or "\n< " in page:
            fail("report.html: the traces are not HTML-escaped")
    elif mode == "missing":
        if rc != 1:
            fail("exit status %d, expected 1" % rc)
        if crashed:
            fail("crashed: %s" % crashed)
        passed = [t["suite"] + "/" + t["name"] for t in tests if t["result"] == "pass"]
        if passed:
            fail("passed without the functions: %s" % passed)
        for k, t in failed.items():
            if arg not in t["message"]:
                fail("%s: message lacks %r: %s" % (k, arg, t["message"]))
            # a proxy that does not record has no trace, and the report says so
            if t.get("trace") is not None or not t.get("trace_note", "").startswith(
                    "no trace available"):
                fail("%s: expected 'no trace available', got %r" % (k, t.get("trace_note")))
        if "APDU trace: no trace available" not in page:
            fail("report.html does not say 'no trace available'")
        if len(rep["proxy"]["missing_functions"]) < 70:
            fail("missing_functions not reported")
    else:
        fail("unknown mode " + mode)
    print("check_report: OK (%s, %d tests, %d failed)" % (mode, len(tests), len(failed)))


main()
