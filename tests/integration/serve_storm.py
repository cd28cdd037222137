#!/usr/bin/env python3
"""A storm of hostile and ordinary clients for `tlsdiag serve` (asyncio).

Usage: serve_storm.py PORT HELLO_HEX [N]

Opens N (default 200) connections at once: garbage senders, clients that stop in the
middle of a ClientHello, clients that connect and send nothing, clients that flood
megabytes, real TLS clients (Python ssl), and TLS clients that hold the connection open
after the handshake. Every connection waits for the server to
close it (EOF or reset) within a limit, so a server that stalls shows up as "hung".
Prints one JSON summary: per kind, how many connections the server closed, how many
were still open at the limit, and how many TLS handshakes succeeded.
"""
import asyncio
import json
import random
import ssl
import sys
import time

LIMIT = 15.0  # seconds a connection may stay open before it counts as hung


async def wait_close(reader):
    """Reads until the server closes; True when it did within LIMIT."""
    try:
        async with asyncio.timeout(LIMIT):
            while await reader.read(65536):
                pass
        return True
    except (ConnectionError, OSError):
        return True
    except TimeoutError:
        return False


async def garbage(port, rnd):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000))))
    await writer.drain()
    return await wait_close(reader), writer


async def mid_hello(port, rnd, hello):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(hello[: rnd.randint(1, len(hello) - 1)])
    await writer.drain()
    return await wait_close(reader), writer


async def silent(port, rnd):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return await wait_close(reader), writer


async def flood(port, rnd):
    """A ClientHello header promising a ~1 MB message, then 1 MB of handshake records."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    record = bytes([22, 3, 1, 0x40, 0x00])
    try:
        writer.write(record + bytes([1, 0x0F, 0xFF, 0xF0]) + bytes(16380))
        for _ in range(64):
            writer.write(record + bytes(16384))
            await writer.drain()
    except (ConnectionError, OSError):
        return True, writer
    return await wait_close(reader), writer


async def tls_client(port, rnd):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), LIMIT)
    return True, writer


async def tls_idle(port, rnd):
    """A TLS client that completes the handshake, then sends nothing and waits."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), LIMIT)
    return await wait_close(reader), writer


async def one(kind, fn, *args):
    t0 = time.monotonic()
    try:
        closed, writer = await fn(*args)
        writer.close()
        return kind, "closed" if closed else "hung", time.monotonic() - t0
    except (ConnectionError, OSError, ssl.SSLError, TimeoutError) as e:
        return kind, "error:" + type(e).__name__, time.monotonic() - t0


async def main():
    port, hello = int(sys.argv[1]), bytes.fromhex(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    rnd = random.Random(8)  # deterministic garbage
    plan = []
    for i in range(n):
        k = i % 10
        if k < 3:
            plan.append(("garbage", garbage, port, rnd))
        elif k < 5:
            plan.append(("mid_hello", mid_hello, port, rnd, hello))
        elif k < 7:
            plan.append(("silent", silent, port, rnd))
        elif k < 8:
            plan.append(("flood", flood, port, rnd))
        elif k < 9:
            plan.append(("tls", tls_client, port, rnd))
        else:
            plan.append(("tls_idle", tls_idle, port, rnd))
    results = await asyncio.gather(*(one(*p) for p in plan))
    summary = {}
    for kind, outcome, secs in results:
        s = summary.setdefault(kind, {"n": 0, "max_seconds": 0.0})
        s["n"] += 1
        s[outcome] = s.get(outcome, 0) + 1
        s["max_seconds"] = round(max(s["max_seconds"], secs), 2)
    print(json.dumps(summary, sort_keys=True))


asyncio.run(main())
