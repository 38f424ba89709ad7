#!/usr/bin/env python3
"""Every httpd child ends on the last mapper file that compiled, also a
child that served nothing while that version was there.

Keeps one keep-alive connection on each of two children (a connection
stays with the child that accepted it; PREFIX/metrics names the child's
pid and mapper generation), then: a good edit, traffic to child A only;
a broken edit; child B, which never loaded the good version, must answer
with it, and so must every child afterwards. Prints TAP lines.

usage: mapper_children.py BASE_URL TOKEN MAPPER_FILE
"""
import hashlib
import http.client
import os
import re
import sys
import time
from urllib.parse import urlparse

BASE, TOKEN, MAPPERS = sys.argv[1:4]
url = urlparse(BASE)
GOOD = """{"identityProviderMappers": [{"name": "API admins", "identityProviderAlias": "bearer",
 "identityProviderMapper": "oidc-role-idp-mapper",
 "config": {"claim": "sub", "claim.value": "svc-etl", "role": "SysAdmin"}}]}
"""
BROKEN = '{"identityProviderMappers": [{"name": "broken"\n'
INFO = re.compile(r'^keygate_mapper_generation_info\{generation="([0-9a-f]+)",pid="(\d+)"\} 1$', re.M)


def check(name, ok, detail=""):
    print(("ok - " if ok else "not ok - ") + name + ("" if ok else "  # " + detail))
    sys.stdout.flush()


def connect():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


def get(conn, path, bearer=False):
    headers = {"Authorization": "Bearer " + TOKEN} if bearer else {}
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    return r.status, body


def whoami(conn):
    """(pid, generation) of the child that holds conn."""
    st, body = get(conn, "/keygate/metrics")
    m = INFO.search(body)
    if st != 200 or m is None:
        raise SystemExit("Bail out! metrics gave %s without the generation line" % st)
    return m.group(2), m.group(1)


def name_of(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def edit(text, ahead):
    with open(MAPPERS, "w") as f:
        f.write(text)
    t = time.time() + ahead
    os.utime(MAPPERS, (t, t))


# one connection on each of two children (the second child may still be
# starting: keep trying for a while)
pinned = {}
deadline = time.time() + 20
while len(pinned) < 2 and time.time() < deadline:
    batch = [connect() for _ in range(8)]
    for c in batch:
        pid, _ = whoami(c)
        if pid not in pinned:
            pinned[pid] = c
        else:
            c.close()
    if len(pinned) < 2:
        time.sleep(0.5)
if len(pinned) < 2:
    raise SystemExit("Bail out! no connection reached a second httpd child")
(pid_a, a), (pid_b, b) = list(pinned.items())[:2]
first = name_of(open(MAPPERS).read())
check("both children start on the same mapper generation",
      whoami(a)[1] == first and whoami(b)[1] == first,
      "%s %s, file %s" % (whoami(a)[1], whoami(b)[1], first))

# a good edit; only child A gets traffic
edit(GOOD, 2)
time.sleep(1.2)
st, _ = get(a, "/admin-api/x", bearer=True)
check("a changed mapper file applies without a restart", st == 200, "got %s" % st)
good = name_of(GOOD)
check("child A maps with the new generation", whoami(a)[1] == good, whoami(a)[1])
check("child B got no traffic and still maps with the first generation",
      whoami(b)[1] == first, whoami(b)[1])

# a broken edit: B never loaded the good version, and still moves to it
edit(BROKEN, 4)
time.sleep(1.2)
st, _ = get(b, "/admin-api/x", bearer=True)
check("a broken mapper file keeps the previous one running", st == 200, "got %s" % st)
check("a child that never loaded the good version moves to it",
      whoami(b)[1] == good, whoami(b)[1])
st, _ = get(a, "/admin-api/x", bearer=True)
check("the child that loaded it keeps it", st == 200 and whoami(a)[1] == good,
      "got %s, %s" % (st, whoami(a)[1]))

# and so does every child, on fresh connections
seen, statuses = {}, set()
for _ in range(16):
    c = connect()
    st, _ = get(c, "/admin-api/x", bearer=True)
    statuses.add(st)
    pid, gen = whoami(c)
    seen[pid] = gen
    c.close()
check("every child answers with the last good generation",
      statuses == {200} and set(seen.values()) == {good},
      "statuses %s, generations %s" % (statuses, seen))
for c in pinned.values():
    c.close()
