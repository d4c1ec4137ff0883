#!/usr/bin/env python3
"""Writes the seeds of the 'proxy' fuzz target into OUT_DIR.

An input is a selector byte (proxy/fuzz/px_fuzz_drive.h: which groups of calls run), then
length-prefixed frames: the ATR, then one response per command.

Inputs: scripts recorded from the reference card by gen-proxy-corpus (real traffic), each with
the commands the proxy sent next to it (NAME.cmds, gen-proxy-corpus's CARD_OUT_FILE) when
available. Output: each script; variants of it at the first command of each kind (INS, P1) after
the connect (scripts of at most MAX_FRAMES_FOR_VARIANTS frames): the status word replaced by
61xx / 6Cxx / 6282 / error words, the data cut or doubled, the script cut there; and the hand-made engine scenarios (GET RESPONSE chains, wrong
Le, ...) behind a connect without ISO/IEC 7816-15.
Usage: make_seeds.py OUT_DIR RECORDED_SCRIPT...
"""
import os
import sys

# Selector of the hand-made scenarios: containers only, found by label, read only; the first
# container is public-256 (getSize, getData, getDataRange ...).
SEL_CONTAINERS_BY_LABEL = 0xFB


def frames(b):
    out, i = [], 0
    while i + 2 <= len(b):
        n = b[i] << 8 | b[i + 1]
        out.append(b[i + 2:i + 2 + n])
        i += 2 + n
    return out


def join(sel, fs):
    return bytes([sel]) + b"".join(len(f).to_bytes(2, "big") + f for f in fs)


def h(s):
    return bytes.fromhex(s)


# Variants are made of the shorter scripts only (one group of calls each): the full sessions
# would give thousands of large seeds that reach nothing new.
MAX_FRAMES_FOR_VARIANTS = 200

# Status words tried (four of them at each position, in turn) in place of a recorded one.
SWS = [("61", h("6110")), ("6c", h("6C08")), ("6282", h("6282")), ("6a82", h("6A82")),
       ("6982", h("6982")), ("6b00", h("6B00")), ("63c0", h("63C0")), ("6a88", h("6A88"))]


def positions(resp, cmds):
    """Indexes (into resp, ATR = 0) of the first command of each kind after the connect."""
    if cmds is None:
        step = max(1, (len(resp) - 1) // 24)
        return list(range(1, len(resp), step))
    seen, out = set(), []
    for k, c in enumerate(cmds[:len(resp) - 1]):
        kind = (c[1], c[2]) if len(c) >= 4 else None
        if kind is not None and kind not in seen:
            seen.add(kind)
            out.append(k + 1)
    return out


def variants(name, sel, resp, cmds, seeds):
    for j, k in enumerate(positions(resp, cmds)):
        tail = resp[k + 1:k + 41]  # later frames stay, so the next calls still get answers
        fr = resp[k]
        for sw_name, sw in (SWS[(j + t) % len(SWS)] for t in range(4)):
            seeds["%s-%d-%s" % (name, k, sw_name)] = (sel, resp[:k] + [fr[:-2] + sw] + tail)
        if len(fr) > 2:
            seeds["%s-%d-short" % (name, k)] = (sel, resp[:k] + [fr[:(len(fr) - 2) // 2] + fr[-2:]]
                                                + tail)
            seeds["%s-%d-double" % (name, k)] = (sel, resp[:k] + [fr[:-2] * 2 + fr[-2:]] + tail)
        seeds["%s-%d-cut" % (name, k)] = (sel, resp[:k])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {}
    for path in sys.argv[2:]:
        raw = open(path, "rb").read()
        sel, resp = raw[0], frames(raw[1:])
        cmds = frames(open(path + ".cmds", "rb").read()) if os.path.exists(path + ".cmds") else None
        name = os.path.basename(path)
        seeds[name] = (sel, resp)
        if len(resp) <= MAX_FRAMES_FOR_VARIANTS:
            variants(name, sel, resp, cmds, seeds)
        seeds[name + "-atr-short-le"] = (sel, [h("3B 00")] + resp[1:])
        seeds[name + "-atr-no-tck"] = (sel, [h("3B 85 80 01 80 73 B4 41 DB")] + resp[1:])
    # The description matches (ATR 3B, SELECT of the sdtest AID 9000); no EF.DIR, no 7816-15
    # application: then public-256's calls get the scenario's answers.
    hdr = [h("3B 00"), h("90 00"), h("6A 82"), h("6A 82")]
    s = SEL_CONTAINERS_BY_LABEL
    seeds["one-byte-resp"] = (s, hdr + [h("90 00"), h("90")])
    seeds["get-response"] = (s, hdr + [h("62 04 80 02 01 00 90 00"),
                                       bytes(range(100)) + h("61 9C"),
                                       bytes(range(100, 256)) + h("90 00")])
    seeds["wrong-le"] = (s, hdr + [h("62 04 80 02 00 10 90 00"), h("6C 08"),
                                   bytes(range(8)) + h("90 00"), bytes(range(8, 16)) + h("90 00")])
    seeds["eof-6282"] = (s, hdr + [h("62 03 82 01 01 90 00"), bytes(range(10)) + h("62 82")])
    seeds["no-fcp-6b00"] = (s, hdr + [h("90 00"), bytes(256) + h("90 00"), h("6B 00")])
    seeds["p2-refused"] = (s, hdr + [h("6A 86"), h("90 00"), bytes(5) + h("62 82")])
    seeds["fcp-bad-len"] = (s, hdr + [h("62 84 00 00 00 04 90 00"), bytes(4) + h("90 00")])
    seeds["more-than-le"] = (s, hdr + [h("62 04 80 02 00 04 90 00"), bytes(8) + h("90 00")])
    seeds["endless-61"] = (s, hdr + [h("62 04 80 02 01 00 90 00")] + [h("00 61 01")] * 310)
    seeds["unknown-card"] = (0, [h("3B 00"), h("6A 82")])
    for name, (sel, fs) in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(join(sel, fs))
    print("%d seeds written to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
