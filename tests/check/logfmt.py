#!/usr/bin/env python3
"""Every format string handed to keygate's log formatter (kg_log_emit,
kg_log_format, kg_reply_refuse) uses only the conversions that
gateway/base/log.c handles, never quotes a %s itself (the formatter
quotes values), and copies text verbatim (%-s) only where a fragment
made by kg_log_format is passed on; and no keygate line (a "KG-nnnn"
id) is written with a raw ap_log_* call, past the formatter and
KeygateLogFormat. Prints TAP."""
import re
import subprocess
import sys

CALLS = {"kg_log_emit": 3, "kg_log_format": 2, "kg_reply_refuse": 6,
         "kg_httpd_logf": 3}
CONV = re.compile(r"%(-?)(\.[0-9]+)?((?:ll|l|z)?[a-zA-Z%])")
OK = {"s", "c", "d", "i", "u", "x", "ld", "lu", "lld", "llu", "zu", "zd", "%"}
VERBATIM_OK = {"gateway/flow/core/reply.c"}
STR = re.compile(r'"((?:[^"\\]|\\.)*)"')


def args_of(src, start):
    """The top-level comma-separated arguments of the call at start."""
    depth, i, cur, out, instr = 0, start, "", [], False
    while i < len(src):
        c = src[i]
        if instr:
            cur += c
            if c == "\\":
                cur += src[i + 1]
                i += 1
            elif c == '"':
                instr = False
        elif c == '"':
            instr = True
            cur += c
        elif c == "(":
            depth += 1
            if depth > 1:
                cur += c
        elif c == ")":
            depth -= 1
            if depth == 0:
                out.append(cur.strip())
                return out
            cur += c
        elif c == "," and depth == 1:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    return out


def main():
    files = subprocess.check_output(
        ["git", "ls-files", "*.c"], text=True).split()
    bad, n = [], 0
    for f in files:
        if f.startswith("tests/"):
            continue
        src = open(f, encoding="utf-8").read()
        for name, pos in CALLS.items():
            for m in re.finditer(r"\b%s\s*\(" % name, src):
                if src[m.start() - 5:m.start()].strip().endswith(("void", "*")):
                    continue  # a declaration or definition
                line = src.count("\n", 0, m.start()) + 1
                args = args_of(src, m.end() - 1)
                if len(args) <= pos:
                    continue
                fmt_arg = args[pos]
                if not fmt_arg.startswith('"'):
                    if fmt_arg not in ("fmt",):
                        bad.append(f"{f}:{line}: format is not a literal")
                    continue
                n += 1
                fmt = "".join(STR.findall(fmt_arg))
                for c in CONV.finditer(fmt):
                    if c.group(3) not in OK:
                        bad.append(f"{f}:{line}: %{c.group(3)} is not "
                                   "handled by the log formatter")
                    if c.group(1) and f not in VERBATIM_OK:
                        bad.append(f"{f}:{line}: %-s (verbatim) outside "
                                   "the places that pass on fragments")
                if re.search(r'\\"%s|%s\\"', fmt):
                    bad.append(f"{f}:{line}: a %s in quotes (the "
                               "formatter quotes values itself)")
        for m in re.finditer(r"\bap_log_[a-z]*error\s*\(", src):
            line = src.count("\n", 0, m.start()) + 1
            if re.search(r'"[^"]*KG-[0-9]{4}', " ".join(
                    args_of(src, m.end() - 1))):
                bad.append(f"{f}:{line}: a KG- line written with "
                           "ap_log_*, past the formatter (use "
                           "kg_log_emit or kg_httpd_logf)")
    print(f"ok - {n} log formats found" if n > 50 else
          f"not ok - only {n} log formats found")
    for b in bad:
        print(f"not ok - {b}")
    if not bad:
        print("ok - every log format uses the formatter's conversions")
    return 1 if bad or n <= 50 else 0


sys.exit(main())
