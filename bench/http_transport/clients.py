#!/usr/bin/env python3
"""Abusive and idle clients for bench/http_transport/run.sh (standard library only).

  clients.py idle PORT N [PATH]          N keep-alive connections, one GET PATH (/healthz) each, then idle;
                                         prints "ready OK SECS" once answered (20 s at most), "open K"
                                         on SIGTERM
  clients.py slowloris PORT N EVERY SECS N connections sending one header line every EVERY s for SECS s;
                                         prints how many the server closed and when
  clients.py bigpost PORT GB SECS        a chunked POST of GB gigabytes sent as fast as possible without
                                         reading, for at most SECS s; prints what the server did
"""
import select
import signal
import socket
import statistics
import sys
import time



def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_peer(s):
    """True when the server has closed s (or answered and closed); non-blocking."""
    try:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            return False
        data = s.recv(65536, socket.MSG_DONTWAIT)
        return data == b"" or data.startswith(b"HTTP/")  # an error answer ends it too
    except BlockingIOError:
        return False
    except OSError:
        return True


def answered(buf):
    """The status line of one whole answer with a Content-Length in buf, or None while incomplete."""
    if b"\r\n\r\n" not in buf:
        return None
    head, body = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head.split(b"\r\n", 1)[0] if len(body) >= length else None


def idle(port, n, path, wait=20.0):
    request = b"GET %s HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n" % path.encode()
    start = time.monotonic()
    socks = []
    for _ in range(n):
        s = connect(port)
        s.sendall(request)
        s.setblocking(False)
        socks.append(s)
    by_fd = {s.fileno(): s for s in socks}
    bufs = {s: b"" for s in socks}
    ok = 0
    poller = select.epoll()
    for s in socks:
        poller.register(s, select.EPOLLIN)
    while by_fd and time.monotonic() - start < wait:
        for fd, _ in poller.poll(0.5):
            s = by_fd[fd]
            try:
                chunk = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            bufs[s] += chunk
            status = answered(bufs[s])
            if not chunk or status is not None:
                ok += bool(status) and status.startswith(b"HTTP/1.1 200")
                poller.unregister(s)
                del by_fd[fd]
    poller.close()
    print(f"ready {ok} {time.monotonic() - start:.1f}", flush=True)

    def report(*_):
        still = sum(not closed_by_peer(s) for s in socks)
        print(f"open {still}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    while True:
        signal.pause()


def slowloris(port, n, every, secs):
    start = time.monotonic()
    socks = []
    for _ in range(n):
        s = connect(port)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n")
        socks.append(s)
    closed_at = {}
    line = 0
    next_send = start + every
    while time.monotonic() - start < secs:
        for i, s in enumerate(socks):
            if i not in closed_at and closed_by_peer(s):
                closed_at[i] = time.monotonic() - start
        now = time.monotonic()
        if now >= next_send:
            line += 1
            for i, s in enumerate(socks):
                if i in closed_at:
                    continue
                try:
                    s.sendall(b"X-Slow-%d: x\r\n" % line)
                except OSError:
                    closed_at[i] = now - start
            next_send += every
        time.sleep(0.1)
    if closed_at:
        t = sorted(closed_at.values())
        print(f"closed {len(t)} of {n}; first {t[0]:.1f} s, median {statistics.median(t):.1f} s, last {t[-1]:.1f} s"
              f" (of {secs:.0f} s)")
    else:
        print(f"closed 0 of {n} (of {secs:.0f} s)")


def bigpost(port, gb, secs):
    total = int(gb * 1e9)
    s = connect(port)
    s.sendall(b"POST /api/2.0/mlflow/runs/log-metric HTTP/1.1\r\nHost: bench\r\n"
              b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    size = 256 * 1024
    chunk = b"%x\r\n" % size + b"a" * size + b"\r\n"
    sent = 0
    start = time.monotonic()
    answer = b""
    how = "sent it all"
    s.settimeout(1.0)
    while sent < total:
        if time.monotonic() - start > secs:
            how = f"still sending after {secs:.0f} s"
            break
        r, _, _ = select.select([s], [], [], 0)
        if r:
            try:
                answer = s.recv(65536)
            except OSError:
                answer = b""
            how = "answered" if answer else "closed"
            break
        try:
            s.sendall(chunk)
            sent += size
        except socket.timeout:
            continue  # the server is not reading; keep trying until SECS
        except OSError as e:
            how = f"cut off ({e.strerror})"
            try:
                answer = s.recv(65536, socket.MSG_DONTWAIT)
            except OSError:
                pass
            break
    took = time.monotonic() - start
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") if answer else "no answer"
    print(f"{how} after {sent / 1e6:.0f} MB in {took:.2f} s; {status}")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "idle":
        idle(port, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "/healthz")
    elif cmd == "slowloris":
        slowloris(port, int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "bigpost":
        bigpost(port, float(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
