#!/usr/bin/env python3
"""A storm of slow clients for `tlsdiag serve` with its default limits (asyncio).

Usage: serve_slow_storm.py PORT HELLO_HEX [N]

Opens N (default 500) connections from 127.0.0.1 that never finish a ClientHello: silent
ones, ones that drip a hello one byte a second, ones that send half a hello and stop. While
they are held open, real TLS clients (Python ssl) connect, five from 127.0.0.1 (the storm's
own address) and five from 127.0.0.2, one after another, each with its own time limit.
Prints one JSON summary: handshakes completed per source address, storm connections that
reached the server (opened, or reset as soon as accepted), and how many the server had
closed when the real clients were done.
"""
import asyncio
import json
import ssl
import sys

HOLD = 30.0  # a storm connection gives up after this long


async def slow(port, kind, hello, opened, closed):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionResetError:  # reset as soon as it was accepted: it reached the server
        opened.append(kind)
        closed.append(kind)
        return
    except OSError:
        return
    opened.append(kind)
    try:
        async with asyncio.timeout(HOLD):
            if kind == "half":
                writer.write(hello[: len(hello) // 2])
                await writer.drain()
            for i in range(len(hello) if kind == "drip" else 0):
                writer.write(hello[i : i + 1])
                await writer.drain()
                try:
                    async with asyncio.timeout(1.0):
                        if not await reader.read(1024):
                            raise ConnectionError
                except TimeoutError:
                    pass
            while await reader.read(65536):
                pass
        closed.append(kind)
    except (ConnectionError, OSError):
        closed.append(kind)
    except TimeoutError:
        pass
    finally:
        writer.close()


async def real_client(port, source):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost",
                                    local_addr=(source, 0)), 15)
        writer.close()
        return True
    except (OSError, ssl.SSLError, TimeoutError, asyncio.TimeoutError):
        return False


async def main():
    port, hello = int(sys.argv[1]), bytes.fromhex(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    opened, closed = [], []
    kinds = ("silent", "drip", "half")
    storm = [asyncio.create_task(slow(port, kinds[i % 3], hello, opened, closed))
             for i in range(n)]
    for _ in range(100):  # until the storm is in
        await asyncio.sleep(0.05)
        if len(opened) >= n:
            break
    ok = {"127.0.0.1": 0, "127.0.0.2": 0}
    for source in ok:
        for _ in range(5):
            ok[source] += await real_client(port, source)
    summary = {"handshakes": ok, "storm_opened": len(opened),
               "storm_closed_by_then": len(closed)}
    for t in storm:
        t.cancel()
    await asyncio.gather(*storm, return_exceptions=True)
    print(json.dumps(summary, sort_keys=True))


asyncio.run(main())
