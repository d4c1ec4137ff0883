#!/usr/bin/env python3
"""Writes the seed corpus of the 'proxy' fuzz target into vectors/fuzz/proxy/.

Input: a script recorded from the reference card by gen-proxy-corpus (real traffic). Output:
that script, variants of it (a status word replaced by 61xx / 6Cxx / 6282 / error words, cut
short, ATR without extended length) and the hand-made engine scenarios of test_engine.c.
Usage: make_seeds.py RECORDED_SCRIPT OUT_DIR
"""
import os
import sys


def frames(b):
    out, i = [], 0
    while i + 2 <= len(b):
        n = b[i] << 8 | b[i + 1]
        out.append(b[i + 2:i + 2 + n])
        i += 2 + n
    return out


def join(fs):
    return b"".join(len(f).to_bytes(2, "big") + f for f in fs)


def h(s):
    return bytes.fromhex(s)


def main():
    rec, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    base = frames(open(rec, "rb").read())
    seeds = {"ref-recorded": base}
    for k in range(1, min(len(base), 9)):
        for name, sw in [("61", h("6110")), ("6c", h("6C08")), ("6282", h("6282")),
                         ("6a82", h("6A82")), ("6982", h("6982")), ("6b00", h("6B00"))]:
            fs = list(base)
            fs[k] = fs[k][:-2] + sw
            seeds["sw%d-%s" % (k, name)] = fs
        seeds["cut%d" % k] = base[:k]
    seeds["atr-short-le"] = [h("3B 00")] + base[1:]
    seeds["atr-no-tck"] = [h("3B 85 80 01 80 73 B4 41 DB")] + base[1:]
    seeds["one-byte-resp"] = [base[0], h("90 00"), h("90")]
    hdr = [h("3B 00"), h("90 00")]
    seeds["get-response"] = hdr + [h("62 04 80 02 01 00 90 00"),
                                   bytes(range(100)) + h("61 9C"),
                                   bytes(range(100, 256)) + h("90 00")]
    seeds["wrong-le"] = hdr + [h("62 04 80 02 00 10 90 00"), h("6C 08"),
                               bytes(range(8)) + h("90 00"), bytes(range(8, 16)) + h("90 00")]
    seeds["eof-6282"] = hdr + [h("62 03 82 01 01 90 00"), bytes(range(10)) + h("62 82")]
    seeds["no-fcp-6b00"] = hdr + [h("90 00"), bytes(256) + h("90 00"), h("6B 00")]
    seeds["p2-refused"] = hdr + [h("6A 86"), h("90 00"), bytes(5) + h("62 82")]
    seeds["fcp-bad-len"] = hdr + [h("62 84 00 00 00 04 90 00"), bytes(4) + h("90 00")]
    seeds["more-than-le"] = hdr + [h("62 04 80 02 00 04 90 00"), bytes(8) + h("90 00")]
    seeds["endless-61"] = hdr + [h("62 04 80 02 01 00 90 00")] + [h("00 61 01")] * 310
    seeds["unknown-card"] = [h("3B 00"), h("6A 82")]
    for name, fs in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(join(fs))
    print("%d seeds written to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
