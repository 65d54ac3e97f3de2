#!/usr/bin/env python3
"""Idle-connection holder for bench/run.sh's memory scenario (loopback only).

  holdconns.py serve PORT          backend: echoes what it reads and keeps every connection open
  holdconns.py connect PORT N      client: opens N connections to 127.0.0.1:PORT, sends 16 bytes on
                                   each and waits for the echo (so each one is relayed end to end),
                                   prints "ready N", then holds them until SIGTERM
"""
import asyncio
import resource
import sys

PAYLOAD = b"l4mux-bench-hold"  # 16 bytes
CONCURRENCY = 200


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve(port):
    writers = set()

    async def handle(reader, writer):
        writers.add(writer)
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writers.discard(writer)
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    print(f"serving {port}", flush=True)
    async with server:
        await server.serve_forever()


async def connect(port, count):
    gate = asyncio.Semaphore(CONCURRENCY)
    held = []
    failures = 0

    async def one():
        nonlocal failures
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), 10)
                writer.write(PAYLOAD)
                await writer.drain()
                echoed = await asyncio.wait_for(reader.readexactly(len(PAYLOAD)), 10)
                if echoed != PAYLOAD:
                    raise ConnectionError("bad echo")
                held.append(writer)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                failures += 1

    await asyncio.gather(*(one() for _ in range(count)))
    print(f"ready {len(held)} failed {failures}", flush=True)
    await asyncio.Event().wait()  # hold until SIGTERM


def main():
    raise_fd_limit()
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        asyncio.run(serve(int(sys.argv[2])))
    elif len(sys.argv) == 4 and sys.argv[1] == "connect":
        asyncio.run(connect(int(sys.argv[2]), int(sys.argv[3])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
