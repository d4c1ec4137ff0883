#!/usr/bin/env python3
"""Runs sdconform, renders its report.html in headless Chromium and checks the picture.

usage: check_html_render.py MODE REPORT_DIR -- SDCONFORM [ARGS...]
  MODE pass  the run must pass: the green banner colour is in the picture, the red one is not
  MODE fail  the run must fail: the red banner and the failure block's red edge are in it
The report directory is passed to sdconform with --report. The screenshot is kept as
REPORT_DIR/report.png. The picture must not be blank: at least 3% of its pixels are not white.
Exit status 77 (skipped) only when Chromium is not installed (CHROMIUM names another binary)."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

# Solid fills of the report's CSS (sdc_report.c): exact colours, never antialiased.
BANNER_OK = (0xE6, 0xF4, 0xEA)
BANNER_BAD = (0xFD, 0xEC, 0xEA)
FAILURE_EDGE = (0xA4, 0x16, 0x1A)


def fail(msg):
    print("check_html_render: FAIL: " + msg)
    sys.exit(1)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(path):
    """Returns (width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("%s is not a PNG" % path)
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if not hdr:
        fail("PNG without IHDR")
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail("unexpected PNG format: depth %d, colour type %d, interlace %d"
             % (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows, off = [], 0
    for _ in range(h):
        ftype = raw[off]
        line = bytearray(raw[off + 1:off + 1 + stride])
        off += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif ftype == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--" or sys.argv[1] not in ("pass", "fail"):
        print(__doc__)
        sys.exit(2)
    mode, report_dir = sys.argv[1:3]
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    if not chromium:
        print("check_html_render: SKIP: chromium is not installed (Debian package chromium; "
              "tools/test installs it)")
        sys.exit(77)
    rc = subprocess.run(sys.argv[4:] + ["--report", report_dir]).returncode
    if (rc == 0) != (mode == "pass"):
        fail("sdconform exit status %d in mode %s" % (rc, mode))
    html = os.path.abspath(os.path.join(report_dir, "report.html"))
    png = os.path.join(report_dir, "report.png")
    if os.path.exists(png):
        os.remove(png)
    with tempfile.TemporaryDirectory(prefix="sdc-chromium-") as profile:
        try:
            r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                "--hide-scrollbars", "--user-data-dir=" + profile,
                                "--screenshot=" + os.path.abspath(png), "--window-size=1200,2000",
                                "file://" + html],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        except subprocess.TimeoutExpired:
            fail("chromium did not finish within 120 s")
    if not os.path.exists(png) or os.path.getsize(png) == 0:
        fail("chromium wrote no screenshot (status %d): %s"
             % (r.returncode, r.stdout.decode(errors="replace")[-2000:]))
    w, h, bpp, rows = decode_png(png)
    if (w, h) != (1200, 2000):
        fail("screenshot is %dx%d, expected 1200x2000" % (w, h))
    colours, ink = {}, 0
    for row in rows:
        for i in range(0, len(row), bpp):
            px = (row[i], row[i + 1], row[i + 2])
            if px != (255, 255, 255):
                ink += 1
                colours[px] = colours.get(px, 0) + 1
    share = ink / float(w * h)
    if share < 0.03:
        fail("the picture is nearly blank: %.2f%% of the pixels are not white" % (share * 100))
    want, absent = (BANNER_OK, BANNER_BAD) if mode == "pass" else (BANNER_BAD, BANNER_OK)
    if colours.get(want, 0) < 2000:
        fail("the %s banner colour #%02x%02x%02x covers %d pixels (expected a banner)"
             % ("green" if mode == "pass" else "red", want[0], want[1], want[2],
                colours.get(want, 0)))
    if colours.get(absent, 0) > 0:
        fail("the other verdict's banner colour appears (%d pixels)" % colours[absent])
    if mode == "fail" and colours.get(FAILURE_EDGE, 0) < 100:
        fail("no failure block (its red edge #a4161a is missing)")
    print("check_html_render: OK (%s: %.1f%% ink, banner %d px, %s)"
          % (mode, share * 100, colours[want], png))


main()
