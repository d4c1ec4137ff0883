#!/usr/bin/env python3
"""Generates the non-blocking (callback) forms of the API (clause 6.2.5).

Reads the function declarations of proxy/include/isoiec23465.h and rewrites the generated
sections of proxy/include/isoiec23465_async.h (the F_async declarations) and proxy/px_async.c
(their job structs and definitions). Each generated section lies between a BEGIN GENERATED and
an END GENERATED marker line; the rest of both files is written by hand and kept.

Every function returning isoIec23465_Status gets an F_async form, except isoIec23465_getLastError
(it reads the calling thread's details; a worker thread has other ones). Release functions
return void and get none.

Usage:
  tools/gen-async.py           rewrite both files
  tools/gen-async.py --check   exit 1 (listing the files) when a file is not what it would write
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAIN_HEADER = ROOT / "proxy" / "include" / "isoiec23465.h"
ASYNC_HEADER = ROOT / "proxy" / "include" / "isoiec23465_async.h"
ASYNC_SOURCE = ROOT / "proxy" / "px_async.c"

EXCLUDED = {"isoIec23465_getLastError"}
BEGIN = "BEGIN GENERATED"
END = "END GENERATED"
COLUMNS = 100
# Names the generated code uses next to F's own parameters.
RESERVED = {"callback", "user", "job", "args"}


class Param:
    def __init__(self, ctype, name):
        self.ctype = ctype  # e.g. "const uint8_t *", "size_t "
        self.name = name

    def decl(self):
        return self.ctype + self.name


class Function:
    def __init__(self, name, params):
        self.name = name  # isoIec23465_DataContainer_getData
        self.params = params

    @property
    def short(self):
        return self.name[len("isoIec23465_"):]


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def parse_param(text):
    text = " ".join(text.split())
    m = re.fullmatch(r"(.*?[\s*])(\w+)", text)
    if not m:
        raise SystemExit(f"gen-async: cannot parse parameter '{text}'")
    ctype = m.group(1).replace(" *", " *").strip()
    # "T *" and "T **": the stars stay next to the name, a space before them.
    ctype = re.sub(r"\s*(\*+)$", r" \1", ctype)
    if not ctype.endswith("*"):
        ctype += " "
    return Param(ctype, m.group(2))


def parse_header(path):
    text = strip_comments(path.read_text())
    handles = set(re.findall(r"typedef\s+isoIec23465_Handle\s+(isoIec23465_\w+)\s*;", text))
    handles.add("isoIec23465_Handle")
    functions = []
    for m in re.finditer(
        r"(?:ISOIEC23465_WARN_UNUSED\s+)?isoIec23465_Status\s+(isoIec23465_\w+)\s*\(([^;{()]*)\)\s*;",
        text,
    ):
        name, params = m.group(1), m.group(2).strip()
        if name in EXCLUDED:
            continue
        plist = [] if params in ("", "void") else [parse_param(p) for p in params.split(",")]
        for p in plist:
            if p.name in RESERVED:
                raise SystemExit(f"gen-async: {name}: parameter name '{p.name}' is reserved")
        functions.append(Function(name, plist))
    if not functions:
        raise SystemExit(f"gen-async: no functions found in {path}")
    return handles, functions


def device_param(fn, handles):
    """The parameter whose device orders the job: the first one, when it is a handle."""
    if not fn.params:
        return None
    p = fn.params[0]
    m = re.fullmatch(r"(?:const )?(\w+) \*", p.ctype)
    return p if m and m.group(1) in handles else None


def wrap_call(head, items, tail, indent=4):
    """`head(item, item...)tail` on one line, or wrapped at COLUMNS with continuation lines
    aligned after the parenthesis (or indented by `indent` when that leaves too little room)."""
    one = head + "(" + ", ".join(items) + ")" + tail
    if len(one) <= COLUMNS:
        return one
    pad = len(head) + 1
    if pad > COLUMNS // 2:
        pad = indent
        lines, cur = [head + "("], " " * pad
    else:
        lines, cur = [], head + "("
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else ")" + tail)
        if cur.strip() and not cur.endswith("(") and len(cur) + 1 + len(piece) > COLUMNS:
            lines.append(cur.rstrip())
            cur = " " * pad
        if cur.endswith("(") or not cur.strip():
            cur += piece
        else:
            cur += " " + piece
    lines.append(cur)
    return "\n".join(lines)


def wrap_comment(text):
    """A /* */ comment of `text`, wrapped at COLUMNS."""
    words, lines, cur = text.split(), [], "/*"
    for w in words:
        if len(cur) + 1 + len(w) > COLUMNS - 3:
            lines.append(cur)
            cur = " *"
        cur += " " + w
    lines.append(cur + " */")
    return lines


def async_params(fn):
    return [p.decl() for p in fn.params] + ["isoIec23465_Callback callback", "void *user"]


def gen_header(fn, handles):
    dp = device_param(fn, handles)
    if dp and not re.search(r"SecurityDevice(List|Entry) \*$", dp.ctype):
        where = f"in order on the worker of `{dp.name}`'s device"
    else:
        where = "on the shared worker"
    out = wrap_comment(f"Runs {fn.short} {where}.")
    out.append(wrap_call(f"isoIec23465_Status {fn.name}_async", async_params(fn), ";"))
    return "\n".join(out)


def gen_source(fn, handles):
    s = fn.short
    dp = device_param(fn, handles)
    out = [f"typedef struct px_job_{s} {{", "    px_async_job job;"]
    out += [f"    {p.decl()};" for p in fn.params]
    out.append(f"}} px_job_{s};")
    out.append("")
    out.append(f"static isoIec23465_Status px_run_{s}(px_async_job *job)")
    out.append("{")
    if fn.params:
        out.append(f"    px_job_{s} *args = (void *)job;")
        out.append(wrap_call(f"    return {fn.name}", [f"args->{p.name}" for p in fn.params], ";", 8))
    else:
        out.append("    (void)job;")
        out.append(f"    return {fn.name}();")
    out.append("}")
    out.append("")
    out.append(wrap_call(f"isoIec23465_Status {fn.name}_async", async_params(fn), ""))
    out.append("{")
    out.append(
        wrap_call(
            f"    px_job_{s} *args = px_async_job_new",
            ["sizeof *args", f"px_run_{s}", "callback", "user"],
            ";",
            8,
        )
    )
    out.append("    if (!args)")
    out.append("        return px_error_last();")
    out += [f"    args->{p.name} = {p.name};" for p in fn.params]
    out.append(f"    return px_async_submit(&args->job, {dp.name if dp else 'NULL'});")
    out.append("}")
    return "\n".join(out)


def splice(path, body):
    """The file with the lines between its BEGIN and END GENERATED markers replaced by body."""
    lines = path.read_text().split("\n")
    try:
        b = next(i for i, line in enumerate(lines) if BEGIN in line)
        e = next(i for i, line in enumerate(lines) if END in line and i > b)
    except StopIteration:
        raise SystemExit(f"gen-async: {path}: no {BEGIN} / {END} markers")
    return "\n".join(lines[: b + 1] + body.split("\n") + lines[e:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only compare, write nothing")
    opts = ap.parse_args()

    handles, functions = parse_header(MAIN_HEADER)
    header_body = "// clang-format off\n" + "\n\n".join(gen_header(f, handles) for f in functions)
    header_body += "\n// clang-format on"
    source_body = "// clang-format off\n" + "\n\n".join(gen_source(f, handles) for f in functions)
    source_body += "\n// clang-format on"
    wanted = {ASYNC_HEADER: splice(ASYNC_HEADER, header_body),
              ASYNC_SOURCE: splice(ASYNC_SOURCE, source_body)}

    stale = [p for p, text in wanted.items() if p.read_text() != text]
    if opts.check:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)} (run tools/gen-async.py)", file=sys.stderr)
        if not stale:
            print(f"{len(functions)} async functions up to date")
        return 1 if stale else 0
    for p in stale:
        p.write_text(wanted[p])
        print(f"wrote {p.relative_to(ROOT)}")
    print(f"{len(functions)} async functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
