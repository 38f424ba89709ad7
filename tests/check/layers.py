#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The dependency rule (DESIGN.md), checked on the sources and on the
built objects. Prints one TAP line per rule.

- Every folder of the core has one rank (RANKS below). A file may include
  headers of its own folder and of folders of a lower rank only; two
  folders of the same rank never include each other.
- gateway/ and gateway/proto/ hold only folders, no loose files.
- No two files include each other in a circle, and no two objects call
  each other in a circle (the calls are read off the built objects).
- The calls obey the ranks too: an object never calls a function that
  a higher-ranked folder defines.
- Each foreign library is named in one folder (or file).

usage: layers.py [BUILD_DIR]   (the call checks need BUILD_DIR's objects)
"""
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
os.chdir(ROOT)

# folder -> rank; a folder not listed is an error
RANKS = {
    'gateway/base': 0,
    'conf': 10,
    'mappers': 20, 'sessions': 20, 'policy': 20,
    'gateway/proto/jose': 30, 'gateway/proto/saml': 30,
    'gateway/proto/aws': 30,
    'gateway/proto/oidc': 31,
    'gateway/flow/process': 40,
    'gateway/flow/core': 41,
    'gateway/flow/authn': 42,
    'gateway/flow/aws': 43,
    'gateway/flow/login': 44,
    'gateway/flow/logout': 45, 'gateway/flow/admin': 45,
    'gateway/flow': 46,
    'gateway/httpd': 50, 'gateway/cli': 50,
}
# a foreign header family and where it may be included
FOREIGN = [
    ('hiredis', r'hiredis/', ['sessions/redis.c', 'sessions/redis_watch.c']),
    ('lasso', r'lasso/', ['gateway/proto/saml/']),
    ('xmlsec', r'xmlsec/', ['gateway/proto/saml/dsig.c']),
    ('liboauth2', r'oauth2/', ['gateway/proto/oidc/http.c']),
    ('cjose', r'cjose/', ['gateway/proto/jose/keys.c']),
    ('jansson', r'jansson', ['gateway/proto/oidc/http.c']),
    ('pcre2', r'pcre2', ['gateway/base/regex.c']),
    ('libcurl', r'curl/', ['gateway/proto/aws/http.c']),
    ('zlib', r'zlib\.h', ['gateway/proto/saml/slo_receive.c']),
]
SOURCES = ('gateway', 'conf', 'mappers', 'sessions', 'policy')

def tap(ok, name, details=()):
    print(('ok - ' if ok else 'not ok - ') + name)
    for d in list(details)[:30]:
        print('# ' + d)

def files():
    out = subprocess.run(['git', 'ls-files', '--cached', '--others',
                          '--exclude-standard', '--'] +
                         [s + '/*.[ch]' for s in SOURCES],
                         capture_output=True, text=True).stdout.split()
    return sorted(f for f in out if os.path.isfile(f))

def unit(f):
    return f[:-2]

def includes(f):
    with open(f, encoding='utf-8') as fh:
        for line in fh:
            m = re.match(r'#include "([^"]+)"', line)
            if m:
                inc = m.group(1)
                if not os.path.isfile(inc):
                    inc = os.path.join(os.path.dirname(f), inc)
                if os.path.isfile(inc):
                    yield os.path.normpath(inc)

def cycles(edges):
    """Tarjan's strongly connected components of size > 1."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in list(edges):
        if v not in index:
            visit(v)
    return out

def main():
    build = sys.argv[1] if len(sys.argv) > 1 else None
    fs = files()
    # every folder ranked, no loose files in gateway/ or gateway/proto/
    unranked = sorted({os.path.dirname(f) for f in fs} - set(RANKS))
    tap(not unranked, 'every core folder has a rank',
        ['unranked: ' + d for d in unranked])
    loose = [f for f in fs if os.path.dirname(f) in ('gateway', 'gateway/proto')]
    tap(not loose, 'gateway/ and gateway/proto/ hold only folders',
        ['loose: ' + f for f in loose])
    # includes by rank
    bad, edges, calls = [], {}, {}
    for f in fs:
        mine = os.path.dirname(f)
        for inc in includes(f):
            theirs = os.path.dirname(inc)
            if theirs not in RANKS or mine not in RANKS:
                continue
            edges.setdefault(f, set()).add(inc)
            if theirs == mine:
                continue
            if RANKS[theirs] >= RANKS[mine]:
                bad.append('%s includes %s (rank %d from rank %d)' %
                           (f, inc, RANKS[theirs], RANKS[mine]))
    tap(not bad, 'includes follow the folder ranks', bad)
    # call edges from the objects
    if build and os.path.isdir(os.path.join(build, 'gateway')):
        defs, undefs = {}, {}
        for d in RANKS:
            od = os.path.join(build, d)
            if not os.path.isdir(od):
                continue
            for o in sorted(os.listdir(od)):
                if not o.endswith('.o'):
                    continue
                src = os.path.join(d, o[:-2])
                nm = subprocess.run(['nm', os.path.join(od, o)],
                                    capture_output=True, text=True).stdout
                for line in nm.splitlines():
                    p = line.split()
                    if len(p) == 3 and p[1] in 'TDRBC' and p[2].startswith('kg_'):
                        defs[p[2]] = src
                    elif len(p) == 2 and p[0] == 'U' and p[1].startswith('kg_'):
                        undefs.setdefault(src, set()).add(p[1])
        up = []
        for src, syms in undefs.items():
            for s in syms:
                tgt = defs.get(s)
                if tgt is None or tgt == src:
                    continue
                calls.setdefault(src, set()).add(tgt)
                a, b = os.path.dirname(src), os.path.dirname(tgt)
                if a != b and RANKS.get(b, -1) >= RANKS.get(a, 99):
                    up.append('%s.c calls %s (defined in %s.c, rank %d from rank %d)'
                              % (src, s, tgt, RANKS[b], RANKS[a]))
        tap(not up, 'calls follow the folder ranks (objects in %s)' % build,
            sorted(up))
    else:
        print('ok - calls follow the folder ranks # SKIP no objects given')
    cyc = cycles(edges)
    tap(not cyc, 'no two files include each other in a circle',
        [' <-> '.join(c) for c in cyc])
    if calls:
        cyc = cycles(calls)
        tap(not cyc, 'no two objects call each other in a circle',
            [' <-> '.join(c) for c in cyc])
    # foreign libraries
    for what, pattern, allowed in FOREIGN:
        hits = []
        for f in fs:
            with open(f, encoding='utf-8') as fh:
                if re.search(r'^#include <(' + pattern + ')', fh.read(), re.M):
                    if not any(f == a or (a.endswith('/') and f.startswith(a))
                               for a in allowed):
                        hits.append('also in: ' + f)
        tap(not hits, '%s is included only in %s' % (what, ' '.join(allowed)),
            hits)
    # httpd only in the binding
    httpd = []
    for f in fs:
        if f.startswith('gateway/httpd/'):
            continue
        text = open(f, encoding='utf-8').read()
        if re.search(r'^#include <(httpd\.h|http_[a-z_]*\.h|ap_[a-z_]*\.h|mod_[a-z_]*\.h|util_[a-z_]*\.h)', text, re.M) \
                or re.search(r'\brequest_rec\b', text):
            httpd.append(f)
    tap(not httpd, 'only gateway/httpd names httpd headers or request_rec', httpd)
    # APR's formatter knows neither %zu nor %lld and crashes on them, while
    # the compiler's format check accepts both: keygate formats with the C
    # library (kg_psprintf, kg_buf_addf, snprintf) only.
    apr = []
    for d in SOURCES + ('tests/unit', 'tests/integration', 'tests/bench'):
        for base, _, names in os.walk(d):
            for n in names:
                if n.endswith(('.c', '.h')):
                    p = os.path.join(base, n)
                    for i, line in enumerate(open(p, encoding='utf-8'), 1):
                        if re.search(r'\bapr_(psprintf|pvsprintf|snprintf|vsnprintf)\(', line):
                            apr.append('%s:%d' % (p, i))
    tap(not apr, "no code formats with APR's printf", apr)

main()
