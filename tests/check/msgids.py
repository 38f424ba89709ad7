#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Log message ids: one registry, one event per id. Prints TAP lines.

The registry is the table under "## Logs" in docs/operations.md: one row
per id, `| KG-nnnn | level | event |`, in id order. An id that the code no
longer emits stays listed only with the level `reserved` or `retired`.

Where the code emits an id (the C sources of the product; tests excluded):
- kg_log_emit(log, LEVEL, "KG-nnnn", "format", ...): the event is the
  format, the level LEVEL (every KG_LOG_* named in the argument);
- kg_reply_refuse(log, resp, rc, "KG-nnnn", "proto", reason, ...): the
  event is "REJECT proto=PROTO reason=...", whatever the reason token,
  at warn (and error, when rc may be KG_EBACKEND);
- a "KG-nnnn" argument of any other call: the event is the next argument
  made of string literals;
- a literal "... KG-nnnn text" (httpd's ap_log_*error): the event is the
  text after the id, the level the call's APLOG_* argument.

An event's family is its leading words: the format's words up to the
first printf conversion (a `key=%s` word counts as `key=`; punctuation
around a word is dropped). Two call sites of one id are one event when
one family is a prefix of the other ("aws credentials file" and "aws
credentials file not written"); "REJECT proto=saml reason=..." lines are
one event whatever their reason. msgids.allow lists the few ids whose
call sites legitimately differ, each with a comment saying why.

Checks: ids are well-formed (KG- and four digits) in code and table; at
least one id is found; every id names one event; every emitted id has a
table row whose level matches the code; no table row is duplicated or
out of order; no row lists an id the code does not emit; every id the
docs, tests, scripts or code comments name is in the table.

usage: msgids.py [--list]   (--list prints id, level, family, call site)
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
os.chdir(ROOT)

CODE_DIRS = ['gateway', 'conf', 'mappers', 'sessions', 'policy']
REGISTRY = 'docs/operations.md'
ALLOW = 'tests/check/msgids.allow'
# where ids are named in prose or greps: every one must be registered
MENTION_DIRS = ['docs', 'tests', 'scripts', 'packaging', 'README.md']
MENTION_SKIP = re.compile(r'(^|/)(node_modules|corpus)(/|$)|'
                          r'^tests/check/msgids\.')

ID_RE = re.compile(r'KG-\d{4}(?!\d)')
# anything that looks meant as an id: KG-..., or kg-, KG_ or KG before a digit
ANY_ID_RE = re.compile(r'\bKG-[0-9A-Za-z%]*|\b[Kk][Gg][-_]?[0-9][0-9A-Za-z]*')
EXACT_ID_RE = re.compile(r'^KG-\d{4}$')
CONV_RE = re.compile(r'%[-+ #0]*(\*|\d+)?(\.(\*|\d+))?'
                     r'(hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcspn]')
LEVELS = {'KG_LOG_ERROR': 'error', 'KG_LOG_WARN': 'warn',
          'KG_LOG_NOTICE': 'notice', 'KG_LOG_INFO': 'info',
          'KG_LOG_DEBUG': 'debug', 'APLOG_EMERG': 'emerg',
          'APLOG_ALERT': 'alert', 'APLOG_CRIT': 'crit',
          'APLOG_ERR': 'error', 'APLOG_WARNING': 'warn',
          'APLOG_NOTICE': 'notice', 'APLOG_INFO': 'info',
          'APLOG_DEBUG': 'debug'}
DOC_LEVELS = {'warning': 'warn', 'err': 'error'}
NOT_EMITTED = {'reserved', 'retired'}

results = []


def tap(ok, name, details=()):
    results.append(ok)
    print(('ok - ' if ok else 'not ok - ') + name)
    for d in details:
        print('# ' + d)


# --- a small C tokenizer: comments, string literals, words, punctuation --

TOKEN_RE = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<char>'(?:[^'\\\n]|\\.)*')
  | (?P<pp>^[ \t]*\#[^\n]*(?:\\\n[^\n]*)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*)
  | (?P<nl>\n)
  | (?P<space>[ \t\r\f\v]+)
  | (?P<punct>.)''', re.S | re.M | re.X)


def tokens(text):
    """Yields (kind, value, line); strings unquoted, comments kept apart."""
    line = 1
    for m in TOKEN_RE.finditer(text):
        kind, value = m.lastgroup, m.group()
        if kind == 'string':
            yield 'string', unescape(value[1:-1]), line
        elif kind in ('comment', 'word', 'punct', 'char'):
            yield kind, value, line
        elif kind == 'pp' and re.match(r'\s*#\s*define\b', value):
            # a macro body may log too: scan it as code
            for t in tokens(value.split('define', 1)[1]):
                yield t[0], t[1], line + t[2] - 1
        if kind in ('comment', 'string', 'pp', 'nl'):
            line += value.count('\n')


def unescape(s):
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(
        m.group(1), m.group(1)), s)


def parse_calls(toks):
    """Returns the calls of a file: (name, line, args), each argument a list
    of tokens with adjacent string literals joined. Nested calls are
    returned too; a plain parenthesis (a cast, a grouping) stays inside the
    argument of the call around it."""
    calls = []
    stack = []  # one per open paren: [name, line, args, current] or None
    prev = None

    def current():
        for s in reversed(stack):
            if s is not None:
                return s[3]
        return None

    for kind, value, line in toks:
        if kind == 'comment':
            continue
        if kind == 'punct' and value == '(':
            outer = current()
            if outer is not None:
                outer.append((kind, value, line))
            stack.append([prev[1], line, [], []]
                         if prev and prev[0] == 'word' else None)
        elif kind == 'punct' and value == ')' and stack:
            call = stack.pop()
            if call is not None:
                if call[3] or call[2]:
                    call[2].append(call[3])
                calls.append((call[0], call[1], call[2]))
            outer = current()
            if outer is not None:
                outer.append((kind, value, line))
        elif kind == 'punct' and value == ',' and stack and \
                stack[-1] is not None:
            stack[-1][2].append(stack[-1][3])
            stack[-1][3] = []
        else:
            cur = current()
            if cur is not None:
                if kind == 'string' and cur and cur[-1][0] == 'string':
                    cur[-1] = ('string', cur[-1][1] + value, cur[-1][2])
                else:
                    cur.append((kind, value, line))
        prev = (kind, value, line)
    return calls


def literal(arg):
    """The argument's text when it is made of string literals only."""
    if arg and all(k == 'string' for k, _, _ in arg):
        return ''.join(v for _, v, _ in arg)
    return None


def levels_in(args):
    return {LEVELS[v] for a in args for k, v, _ in a
            if k == 'word' and v in LEVELS}


def family(fmt):
    """The leading words of a format, up to its first conversion."""
    words = []
    for w in fmt.replace('\\"', ' ').split():
        w = w.strip('"\'():;,.[]')
        m = CONV_RE.search(w)
        if m:
            head = w[:m.start()].strip('"\'():;,.[]')
            if head.endswith('='):
                words.append(head)
            elif head:
                words.append(head)
            break
        if w:
            words.append(w)
    if words and words[0] == 'REJECT':
        words = words[:2]  # one event whatever the reason token
    return tuple(words)


def compatible(a, b):
    n = min(len(a), len(b))
    return a[:n] == b[:n]


# --- the code ---------------------------------------------------------

def c_files():
    for top in CODE_DIRS:
        for d, _, files in sorted(os.walk(top)):
            for f in sorted(files):
                if f.endswith(('.c', '.h')):
                    yield os.path.join(d, f)


events = []     # (id, family, levels, where)
malformed = []  # (text, where)
unknown = []    # (what, where)
comment_ids = {}  # id -> where, for ids named in code comments
for path in c_files():
    with open(path, encoding='utf-8', errors='replace') as fh:
        toks = list(tokens(fh.read()))
    for kind, value, line in toks:
        if kind in ('string', 'comment'):
            for m in ANY_ID_RE.finditer(value):
                at = '%s:%d' % (path, line + value[:m.start()].count('\n'))
                if not EXACT_ID_RE.match(m.group()):
                    malformed.append((m.group(), at))
                elif kind == 'comment':
                    comment_ids.setdefault(m.group(), at)
    in_literals = sorted(m.group() for kind, value, _ in toks
                         if kind == 'string' for m in ID_RE.finditer(value))
    placed = []  # the ids of the literals below, events or not
    for name, line, args in parse_calls(toks):
        where = '%s:%d' % (path, line)
        if name in ('kg_log_emit', 'kg_reply_refuse'):
            i = 2 if name == 'kg_log_emit' else 3
            if len(args) <= i:
                continue  # the prototype's own declaration
            idarg = args[i]
            if any(v == 'char' for _, v, _ in idarg):
                continue  # the function's own prototype
            if not (literal(idarg) is not None or
                    [v for _, v, _ in idarg] in (['NULL'], ['id'])):
                unknown.append(('%s() with an id that is neither a '
                                'literal, NULL nor a helper\'s `id`' % name,
                                where))
        for i, arg in enumerate(args):
            text = literal(arg)
            if text is None or 'KG-' not in text:
                continue
            if EXACT_ID_RE.match(text):
                placed.append(text)
                rest = args[i + 1:]
                if name == 'kg_log_emit' and i == 2:
                    fmt, lv = literal(args[3]) if len(args) > 3 else None, \
                        levels_in(args[1:2])
                elif name == 'kg_reply_refuse' and i == 3:
                    proto = literal(args[4]) if len(args) > 4 else None
                    fmt = None if proto is None else \
                        'REJECT proto=%s reason=%%s' % proto
                    rc = [v for _, v, _ in args[2]]
                    lv = {'warn'} if len(rc) == 1 and \
                        rc[0].startswith('KG_E') and \
                        rc[0] != 'KG_EBACKEND' else {'warn', 'error'}
                else:  # a helper of our own: its next literal argument
                    fmt = next((literal(a) for a in rest
                                if literal(a) is not None), None)
                    lv = levels_in(args)
                if fmt is None or not family(fmt):
                    unknown.append(('%s passed to %s(), whose event '
                                    'cannot be told' % (text, name), where))
                    continue
                events.append((text, family(fmt), lv, where))
            else:
                m = ID_RE.search(text)
                if m and ANY_ID_RE.search(text).group() == m.group():
                    placed.append(m.group())
                    fam = family(text[m.end():])
                    if not fam:
                        unknown.append(('%s with no words after it' %
                                        m.group(), where))
                        continue
                    events.append((m.group(), fam, levels_in(args), where))
    if sorted(placed) != in_literals:
        unknown.append(('%s: a literal the check could not place in a call '
                        '(write the id as a plain argument, or the text as '
                        '"ID words ...")' % ' '.join(sorted(
                            set(in_literals) - set(placed)) or ['an id']),
                        path))

if '--list' in sys.argv:
    for ident, fam, lv, where in sorted(events):
        print('%s\t%s\t%s\t%s' % (ident, '/'.join(sorted(lv)) or '-',
                                  ' '.join(fam), where))
    sys.exit(0)

# --- the allow-list: "KG-nnnn  leading words  # why" ---------------------

allowed = {}  # id -> [family, ...] accepted besides the first one
try:
    with open(ALLOW, encoding='utf-8') as fh:
        for n, raw in enumerate(fh, 1):
            body = raw.split('#', 1)[0].strip()
            if not body:
                continue
            ident, _, words = body.partition(' ')
            if not EXACT_ID_RE.match(ident) or '#' not in raw:
                malformed.append((raw.strip(), '%s:%d (wants "KG-nnnn '
                                  'words  # why")' % (ALLOW, n)))
                continue
            allowed.setdefault(ident, []).append(tuple(words.split()))
except FileNotFoundError:
    pass

# --- the registry -------------------------------------------------------

rows = []  # (id, levels, event, line)
with open(REGISTRY, encoding='utf-8') as fh:
    in_logs = False
    for n, raw in enumerate(fh, 1):
        if raw.startswith('## '):
            in_logs = raw.strip() == '## Logs'
        if not in_logs or not raw.startswith('|'):
            continue
        cells = [c.strip() for c in raw.strip().strip('|').split('|')]
        if cells[0] in ('id', '') or set(cells[0]) <= set('-: '):
            continue
        where = '%s:%d' % (REGISTRY, n)
        if not EXACT_ID_RE.match(cells[0]) or len(cells) < 3:
            malformed.append((cells[0], where + ' (one id per row: '
                              '| KG-nnnn | level | event |)'))
            continue
        lv = {DOC_LEVELS.get(x, x) for x in
              re.split(r'[/, ]+', cells[1].lower()) if x}
        rows.append((cells[0], lv, cells[2], where))

# --- the checks ---------------------------------------------------------

tap(not malformed, 'every message id is KG- and four digits',
    ['%s: %s' % (w, t) for t, w in malformed])
tap(not unknown, 'every id\'s event can be told from its call',
    ['%s: %s' % (w, t) for t, w in unknown])

ids = sorted({e[0] for e in events})
tap(len(ids) > 0 and len(rows) > 0,
    'ids found: %d in the code, %d rows in %s' % (len(ids), len(rows),
                                                 REGISTRY),
    [] if ids and rows else ['no id found: is the extraction broken?'])

clashes = []
for ident in ids:
    sites = [e for e in events if e[0] == ident]
    families = [sites[0][1]] + allowed.get(ident, [])
    for _, fam, _, where in sites:
        if not any(compatible(fam, f) for f in families):
            clashes.append('%s: "%s" (%s) is not "%s" (%s)' % (
                ident, ' '.join(fam), where, ' '.join(sites[0][1]),
                sites[0][3]))
    for f in allowed.get(ident, []):
        if not any(compatible(f, s[1]) for s in sites):
            clashes.append('%s: %s lists "%s", which no call logs' % (
                ident, ALLOW, ' '.join(f)))
for ident in sorted(set(allowed) - set(ids)):
    clashes.append('%s: in %s but not emitted' % (ident, ALLOW))
tap(not clashes, 'every id names one event', clashes)

seen, dups = {}, []
for ident, _, _, where in rows:
    if ident in seen:
        dups.append('%s: %s and %s' % (ident, seen[ident], where))
    seen.setdefault(ident, where)
tap(not dups, 'no id has two rows in the table', dups)

order = [r[0] for r in rows]
tap(order == sorted(order), 'the table is in id order',
    ['%s comes after %s' % (b, a) for a, b in zip(order, order[1:])
     if b < a])

registered = {r[0]: r for r in rows}
missing = ['%s (%s)' % (i, next(e[3] for e in events if e[0] == i))
           for i in ids if i not in registered]
tap(not missing, 'every emitted id is in %s' % REGISTRY, missing)

stale = ['%s (%s)' % (r[0], r[3]) for r in rows
         if r[0] not in ids and not (r[1] & NOT_EMITTED)]
tap(not stale, 'every id in the table is emitted (or reserved/retired)',
    stale)

wrong = []
for ident in ids:
    if ident not in registered:
        continue
    code = set().union(*(e[2] for e in events if e[0] == ident))
    if code and code != registered[ident][1]:
        wrong.append('%s: the code logs at %s, the table says %s' % (
            ident, '/'.join(sorted(code)),
            '/'.join(sorted(registered[ident][1]))))
tap(not wrong, 'the table gives each id the level the code logs it at',
    wrong)


def mention_files():
    for top in MENTION_DIRS:
        if os.path.isfile(top):
            yield top
        for d, subdirs, files in sorted(os.walk(top)):
            subdirs[:] = [s for s in subdirs
                          if not MENTION_SKIP.search(os.path.join(d, s))]
            for f in sorted(files):
                p = os.path.join(d, f)
                if not MENTION_SKIP.search(p):
                    yield p


unregistered = []
for path in mention_files():
    try:
        with open(path, encoding='utf-8') as fh:
            text = fh.read()
    except (UnicodeDecodeError, OSError):
        continue
    for n, raw in enumerate(text.split('\n'), 1):
        if path == REGISTRY and raw.startswith('| KG-'):
            continue
        for ident in sorted(set(ID_RE.findall(raw)) - set(registered)):
            unregistered.append('%s:%d: %s' % (path, n, ident))
for ident, where in sorted(comment_ids.items()):
    if ident not in registered:
        unregistered.append('%s: %s' % (where, ident))
tap(not unregistered, 'every id the docs, tests, scripts and comments '
    'name is in the table', unregistered)

sys.exit(0 if all(results) else 1)
