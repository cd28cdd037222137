#!/usr/bin/env python3
"""A TCP proxy on loopback that adds a fixed delay each way (tc netem is not
available here). Every chunk read from one side is written to the other side
DELAY ms later, in order, so a round trip through the proxy costs 2*DELAY.

Usage: delay_proxy.py LISTEN_PORT TARGET_PORT [DELAY_MS] [PORTFILE]
LISTEN_PORT 0 picks a free port (written to PORTFILE). Counts connections and the bytes
read from clients: SIGUSR1 prints "connections N" and "client-bytes M" on stderr.
"""
import asyncio
import os
import signal
import sys

CONNECTIONS = 0
CLIENT_BYTES = 0
# The connections' tasks. asyncio holds tasks by weak reference only: a connection whose
# client has half-closed (shutdown after its hello) waits on the server side alone, and the
# garbage collector could destroy its task with the connection, which the client then saw
# closed with no answer.
TASKS = set()


async def pipe(reader, writer, delay, from_client):
    global CLIENT_BYTES
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass

    task = asyncio.create_task(sender())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if from_client:
                CLIENT_BYTES += len(data)
            queue.put_nowait((loop.time() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((loop.time() + delay, None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


async def handle(creader, cwriter, target, delay):
    global CONNECTIONS
    CONNECTIONS += 1
    me = asyncio.current_task()
    TASKS.add(me)
    try:
        await relay(creader, cwriter, target, delay)
    finally:
        TASKS.discard(me)


async def relay(creader, cwriter, target, delay):
    await asyncio.sleep(delay)  # the SYN's trip
    try:
        sreader, swriter = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(pipe(creader, swriter, delay, True),
                         pipe(sreader, cwriter, delay, False))
    for w in (cwriter, swriter):
        try:
            w.close()
        except OSError:
            pass


async def main():
    listen, target = int(sys.argv[1]), int(sys.argv[2])
    delay = (int(sys.argv[3]) if len(sys.argv) > 3 else 50) / 1000.0
    server = await asyncio.start_server(lambda r, w: handle(r, w, target, delay),
                                        "127.0.0.1", listen, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    if len(sys.argv) > 4:
        tmp = sys.argv[4] + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, sys.argv[4])
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(
        signal.SIGUSR1, lambda: print(f"connections {CONNECTIONS}\nclient-bytes {CLIENT_BYTES}",
                                      file=sys.stderr, flush=True))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
