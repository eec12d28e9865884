"""frugal serve against hostile and slow clients, on loopback (issue 18): chunked bombs, slowloris,
10,000 idle keep-alive connections, connection caps. Each part bounds its own time; the server's
memory (VmHWM of SERVER_PID) must stay under 200 MB throughout.

Environment: FRUGAL_URL, SERVER_PID, ADMIN and AGENT tokens. Exit 1 on the first failed check."""
import asyncio
import json
import os
import resource
import sys
import time
import urllib.request

URL = os.environ["FRUGAL_URL"]
HOST, PORT = URL.rsplit("/", 1)[-1].rsplit(":", 1)[0], int(URL.rsplit(":", 1)[1])
PID = int(os.environ["SERVER_PID"])
ADMIN, AGENT = os.environ["ADMIN"], os.environ["AGENT"]
RSS_BAR_KB = 200 * 1024
# Under AddressSanitizer (make test-sanitized) resident memory is mostly ASan's own: the memory
# bars are reported, not checked; every other check still is.
SANITIZED = os.environ.get("FRUGAL_SANITIZED", "0") == "1"
failures = []


def check_memory(kb, what):
    check(SANITIZED or kb < RSS_BAR_KB, f"{what}: {kb // 1024} MB" + (" (sanitized build: not checked)" if SANITIZED else ""))


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def server_kb(field):
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def healthz(timeout=2.0):
    start = time.monotonic()
    try:
        with urllib.request.urlopen(URL + "/healthz", timeout=timeout) as r:
            return r.status == 200, time.monotonic() - start
    except Exception:
        return False, time.monotonic() - start


def create_run():
    body = json.dumps({"name": "under-attack", "command": ["true"]}).encode()
    req = urllib.request.Request(URL + "/api/v1/runs", data=body, method="POST",
                                 headers={"Authorization": "Bearer " + AGENT, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status in (200, 201)
    except urllib.error.HTTPError as e:
        print("  create_run:", e.code, e.read()[:200])
        return False
    except Exception as e:
        print("  create_run:", e)
        return False


async def read_status(reader, timeout):
    line = await asyncio.wait_for(reader.readline(), timeout)
    parts = line.decode(errors="replace").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


async def chunked_bomb(path, token, seconds=10):
    """Streams a chunked body as fast as the server takes it; returns (status seen, MB sent)."""
    reader, writer = await asyncio.open_connection(HOST, PORT)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    chunk = b"%x\r\n" % 65536 + b"[" * 65536 + b"\r\n"
    sent, status = 0, None
    status_task = asyncio.ensure_future(read_status(reader, seconds + 5))
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and not status_task.done():
            writer.write(chunk)
            await asyncio.wait_for(writer.drain(), 2)
            sent += len(chunk)
    except (ConnectionError, asyncio.TimeoutError):
        pass
    try:
        status = await asyncio.wait_for(status_task, 5)
    except Exception:
        status = None
    writer.close()
    return status, sent / 1e6


async def bombs():
    results = await asyncio.gather(*[chunked_bomb("/api/v1/runs", None) for _ in range(3)])
    for status, mb in results:
        check(status == 401, f"a chunked POST without a token is refused before its body: {status} after {mb:.1f} MB sent")
    status, mb = await chunked_bomb("/api/v1/sql", ADMIN)
    check(status == 413, f"a chunked body over --max-body-mb (admin token) is cut off: {status} after {mb:.1f} MB sent")
    check_memory(server_kb("VmHWM"), "server peak memory through the bombs")


async def slow_client(lines_every=2.0, lines=30):
    """Slowloris: a request head one line at a time; returns the status the server ended it with."""
    reader, writer = await asyncio.open_connection(HOST, PORT)
    # Read while writing: asyncio drops what was received once a write finds the connection gone.
    status_task = asyncio.ensure_future(read_status(reader, lines * lines_every + 5))
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    try:
        for i in range(lines):
            await asyncio.sleep(lines_every)
            if status_task.done():
                break
            writer.write(f"X-Slow-{i}: {i}\r\n".encode())
            await writer.drain()
    except ConnectionError:
        pass
    try:
        status = await asyncio.wait_for(status_task, 5)
    except Exception:
        status = None
    writer.close()
    return status


async def slowloris(n=300):
    slow = [asyncio.ensure_future(slow_client(lines=8)) for _ in range(n)]
    await asyncio.sleep(1)
    answered, writes, worst = 0, 0, 0.0
    for _ in range(9):
        ok, took = await asyncio.get_running_loop().run_in_executor(None, healthz)
        answered += ok
        worst = max(worst, took)
        writes += await asyncio.get_running_loop().run_in_executor(None, create_run)
        await asyncio.sleep(0.5)
    check(answered == 9, f"/healthz answers while {n} clients trickle their heads: {answered} of 9 (slowest {worst * 1000:.0f} ms)")
    check(writes == 9, f"writes go on meanwhile: {writes} of 9")
    statuses = await asyncio.gather(*slow)
    timed_out = sum(1 for s in statuses if s == 408)
    check(timed_out == n, f"each slow head is ended with 408 after the head deadline: {timed_out} of {n}")
    check_memory(server_kb("VmHWM"), "server peak memory through slowloris")


async def idle_connection(address):
    reader, writer = await asyncio.open_connection(HOST, PORT, local_addr=(address, 0))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    status = await read_status(reader, 20)
    while (await asyncio.wait_for(reader.readline(), 20)) not in (b"\r\n", b""):
        pass
    await reader.readexactly(len(b'{"status":"ok"}'))
    return status, reader, writer


async def idle_crowd(total=10000, per_address=2000):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    total = min(total, hard - 200)
    addresses = [f"127.0.0.{2 + i}" for i in range((total + per_address - 1) // per_address)]
    conns = []
    for a_index, address in enumerate(addresses):
        count = min(per_address, total - a_index * per_address)
        for start in range(0, count, 500):
            batch = await asyncio.gather(*[idle_connection(address) for _ in range(min(500, count - start))],
                                         return_exceptions=True)
            conns += [c for c in batch if not isinstance(c, BaseException)]
    ok = sum(1 for status, _, _ in conns if status == 200)
    check(ok == total, f"{total} keep-alive connections each answered, then held idle: {ok}")
    ok, took = await asyncio.get_running_loop().run_in_executor(None, healthz)
    check(ok, f"/healthz answers a new client beside them ({took * 1000:.0f} ms)")
    check(await asyncio.get_running_loop().run_in_executor(None, create_run), "a write goes through beside them")
    check_memory(server_kb("VmRSS"), f"server memory with {len(conns)} idle connections")
    # The cap per client address: this one has `per_address` open; the server takes 2048 from one.
    extra = []
    for _ in range(2048 - per_address):
        extra.append(await asyncio.open_connection(HOST, PORT, local_addr=(addresses[0], 0)))
    reader, writer = await asyncio.open_connection(HOST, PORT, local_addr=(addresses[0], 0))
    head = await asyncio.wait_for(reader.read(4096), 5)
    first = head.split(b"\r\n")[0].decode(errors="replace")
    check(head.startswith(b"HTTP/1.1 429") and b"Retry-After" in head, f"one connection over the cap per address: {first}")
    writer.close()
    for _, _, w in conns:
        w.close()
    for _, w in extra:
        w.close()
    check_memory(server_kb("VmHWM"), "server peak memory overall")


async def main(parts):
    if "bombs" in parts:
        await bombs()
    if "slowloris" in parts:
        await slowloris()
    if "idle" in parts:
        await idle_crowd()


asyncio.run(main(sys.argv[1:] or ["bombs", "slowloris", "idle"]))
sys.exit(1 if failures else 0)
