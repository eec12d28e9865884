"""Holds N keep-alive connections to frugal serve open and idle (each answered once), until killed:
the bench measures the server's latency and memory beside them. Usage: idle_connections.py N URL"""
import asyncio
import resource
import sys

count, url = int(sys.argv[1]), sys.argv[2]
host, port = url.split("//", 1)[1].split(":")
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def one():
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await reader.readuntil(b'{"status":"ok"}')
    return writer


async def main():
    held = await asyncio.gather(*[one() for _ in range(count)])
    print(f"holding {len(held)} idle connections", flush=True)
    await asyncio.sleep(3600)


asyncio.run(main())
