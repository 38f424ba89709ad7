#!/usr/bin/env python3
"""A small load driver for the hang and failover tests: THREADS threads,
each on its own keep-alive connection, send GET URL for SECONDS seconds,
cycling through the given cookies ("-" sends none). Writes one line per
request to OUT: "START_MS END_MS STATUS COOKIE_INDEX" (ms since the epoch),
so a test can find windows of 503s, latencies and anything let through.
OUT.started appears once the first answer came (a test waits for it).

usage: hammer.py URL THREADS SECONDS OUT COOKIE...
"""
import http.client
import sys
import threading
import time
import urllib.parse

url, threads, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
cookies = sys.argv[5:] or ["-"]
u = urllib.parse.urlsplit(url)
path = u.path + ("?" + u.query if u.query else "")
end = 0.0
lines = []
lock = threading.Lock()


def worker(n):
    conn = None
    i = n
    mine = []
    while time.time() < end:
        idx = i % len(cookies)
        i += 1
        headers = {}
        if cookies[idx] != "-":
            headers["Cookie"] = "keygate_session=" + cookies[idx]
        t0 = time.time()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            status = r.status
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            status = 0
            if conn is not None:
                conn.close()
            conn = None
        t1 = time.time()
        mine.append("%d %d %d %d" % (t0 * 1000, t1 * 1000, status, idx))
        if len(mine) == 1:
            open(out + ".started", "a").close()
    with lock:
        lines.extend(mine)


end = time.time() + seconds
ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
with open(out, "w") as f:
    f.write("\n".join(sorted(lines, key=lambda l: int(l.split()[0]))) + "\n")
