#!/usr/bin/env python3
"""A TCP relay for the hang tests: forwards 127.0.0.1:LISTEN to
127.0.0.1:TARGET. SIGUSR1 cuts the path without closing anything: bytes
stop moving both ways (they wait, unread, in the kernel's buffers) and new
connections are accepted but not served, as a partition does. SIGUSR2
heals it. One thread, a selector.

usage: tcp_relay.py LISTEN_PORT TARGET_PORT READY_FILE
"""
import selectors
import signal
import socket
import sys

LISTEN, TARGET, READY = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cut = False
peer = {}
sel = selectors.DefaultSelector()


def on_signal(signum, _frame):
    global cut
    cut = signum == signal.SIGUSR1


def close(s):
    for x in (s, peer.pop(s, None)):
        if x is None:
            continue
        peer.pop(x, None)
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        x.close()


signal.signal(signal.SIGUSR1, on_signal)
signal.signal(signal.SIGUSR2, on_signal)
lsock = socket.socket()
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", LISTEN))
lsock.listen(128)
sel.register(lsock, selectors.EVENT_READ)
open(READY, "w").write("ready\n")
while True:
    try:
        events = sel.select(timeout=0.01)
    except InterruptedError:
        continue
    for key, _ in events:
        s = key.fileobj
        if s is lsock:
            c, _ = lsock.accept()
            u = socket.create_connection(("127.0.0.1", TARGET))
            peer[c], peer[u] = u, c
            sel.register(c, selectors.EVENT_READ)
            sel.register(u, selectors.EVENT_READ)
            continue
        if cut or s not in peer:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            close(s)
            continue
        try:
            peer[s].sendall(data)
        except OSError:
            close(s)
