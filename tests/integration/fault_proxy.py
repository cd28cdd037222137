#!/usr/bin/env python3
"""A TCP proxy on loopback that puts faults between a scanner and a real TLS server.

Usage: fault_proxy.py MODE BACKEND_PORT PORTFILE
Modes:
  pass            forward everything (a control)
  random:P:SEED   reset a connection right after its ClientHello with probability P
                  (a seeded generator: the same sequence each run)
  after:N         forward N connections, then reset every later one after its ClientHello
  stop:N          forward N connections, then stop listening (later connects are refused)
  fin:MS          forward, the server's answer MS ms late; a client that half-closes
                  (a FIN after its hello) before that gets its connection closed unanswered,
                  as a server that takes the FIN for the client's leaving (counted in
                  PORTFILE.fin)
  stall2          forward the hello and the server's answer; hold the client's next flight
                  (a full handshake's key exchange and Finished; a probe sends none)
                  unanswered until the client leaves
  hold            forward the handshake whole, then hold back everything the server sends
                  after its Finished (TLS 1.2: the record after its ChangeCipherSpec; TLS 1.3:
                  whatever follows the client's Finished, e.g. NewSessionTickets); the
                  client sees a silent server until it leaves (the connection to the server
                  is closed then, so a one-connection-at-a-time server goes on)
  holdreset       as hold, then the client's connection is reset 200 ms later
  trickle:MS      forward the hello and the server's answer; once the client sends again
                  (a full handshake's second flight), its bytes pass and what the server
                  sends from then on reaches the client a byte every MS ms: a server that
                  keeps answering, slower than any whole time limit
  limit:N:MS      at most N client connections open at once, as a server's limit per
                  address: past it a new connection is reset right after its ClientHello
                  (an idle connection counts); the others are forwarded with the hello
                  held MS ms, so the server's answers come that much later
  schannel        forward, but where the server refuses a hello with an alert (or closes
                  without an answer), reset the client's connection instead, as Windows
                  schannel does; no randomness: every reset here is a real refusal
Writes the chosen port to PORTFILE and serves until killed.
"""
import random
import socket
import struct
import sys
import threading


def reset(conn):
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


def pipe(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def forward(conn, backend, schannel, fin_ms=0, portfile=None, stall=False, hold=None,
            delay_ms=0, gone=None, trickle_ms=0):
    """gone (limit mode): called once the client's side has ended, as a server that reads
    the client's close stops counting its connection."""
    try:
        up = socket.create_connection(("127.0.0.1", backend), timeout=10)
    except OSError:
        reset(conn)
        return
    conn.settimeout(30)
    up.settimeout(30)
    if delay_ms:
        try:
            hello = conn.recv(65536)
            threading.Event().wait(delay_ms / 1000)
            up.sendall(hello)
        except OSError:
            up.close()
            conn.close()
            return
    if fin_ms and fin_hostile(conn, up, fin_ms, portfile):
        return
    if stall:
        conn.settimeout(None)
        stall_second_flight(conn, up)
        return
    if trickle_ms:
        conn.settimeout(None)
        up.settimeout(None)
        trickle_second_flight(conn, up, trickle_ms)
        return
    if hold:
        conn.settimeout(None)
        up.settimeout(None)
        hold_after_finished(conn, up, hold == "holdreset")
        return
    if schannel:
        try:
            hello = conn.recv(65536)
            if not hello:
                conn.close()
                up.close()
                return
            up.sendall(hello)
            first = up.recv(65536)
        except OSError:
            first = b""
        if not first or first[0] == 0x15:
            up.close()
            reset(conn)
            return
        try:
            conn.sendall(first)
        except OSError:
            up.close()
            conn.close()
            return
    t = threading.Thread(target=pipe, args=(up, conn), daemon=True)
    t.start()
    pipe(conn, up)
    if gone:
        gone()
        gone = None
    t.join(30)
    conn.close()
    up.close()


FIN_DROPS = [0]


def pass_hello(conn, up, down):
    """Forwards the client's hello and starts down (the server's side) on a thread; false
    when the client sent nothing."""
    hello = conn.recv(65536)
    if hello:
        up.sendall(hello)
        threading.Thread(target=down, daemon=True).start()
    return bool(hello)


def stall_second_flight(conn, up):
    """The hello and the server's answers pass; once the client sends again, nothing more
    passes either way and its bytes are dropped until it closes."""
    stop = threading.Event()

    def down():
        try:
            while True:
                b = up.recv(65536)
                if not b or stop.is_set():
                    break
                conn.sendall(b)
        except OSError:
            pass

    try:
        if pass_hello(conn, up, down):
            b = conn.recv(65536)
            stop.set()
            while b:
                b = conn.recv(65536)
    except OSError:
        pass
    stop.set()
    for s in (up, conn):  # a shutdown wakes down()'s recv, so the server sees the close
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def trickle_second_flight(conn, up, ms):
    """The hello and the server's answer pass; from the client's next bytes on, the client's
    bytes pass and the server's reach the client one at a time, ms apart."""
    second = threading.Event()

    def down():
        try:
            while True:
                b = up.recv(65536)
                if not b:
                    break
                if not second.is_set():
                    conn.sendall(b)
                    continue
                for i in range(len(b)):
                    conn.sendall(b[i:i + 1])
                    threading.Event().wait(ms / 1000)
        except OSError:
            pass
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    try:
        if pass_hello(conn, up, down):
            while b := conn.recv(65536):
                second.set()  # before the server can answer it
                up.sendall(b)
    except OSError:
        pass
    for s in (up, conn):  # the server sees the client's end; down() wakes up
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


# RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def records(buf):
    """The whole TLS records at the start of buf, as (type, bytes), and the rest."""
    out = []
    while len(buf) >= 5 and len(buf) >= 5 + struct.unpack("!H", buf[3:5])[0]:
        n = 5 + struct.unpack("!H", buf[3:5])[0]
        out.append((buf[0], buf[:n]))
        buf = buf[n:]
    return out, buf


def hold_after_finished(conn, up, then_reset=False):
    """Everything passes until the server's Finished; after it, nothing the server sends
    reaches the client, which sees a server gone silent until it leaves. TLS 1.2: the
    server's Finished is its first handshake record after its ChangeCipherSpec (the
    ServerHello's, not a HelloRetryRequest's). TLS 1.3 encrypts it: the first record the
    server sends once the client has sent an encrypted one (its Finished) is held. Then the
    connection to the server is closed: a server that serves one connection at a time (as
    s_server) goes on with the next, and the client's later bytes are dropped; then_reset:
    the client's connection is reset 200 ms later (once it has surely read the Finished)."""
    client_done, held, resetting = threading.Event(), threading.Event(), threading.Event()

    def hold():
        held.set()
        try:
            up.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if then_reset:
            threading.Event().wait(0.2)
            resetting.set()
            try:  # wakes the main loop's recv, sends nothing; its close then resets
                conn.shutdown(socket.SHUT_RD)
            except OSError:
                pass

    def down():
        buf, sh, ccs = b"", False, False
        try:
            while not held.is_set():
                b = up.recv(65536)
                if not b:
                    break  # the server's close is held too
                recs, buf = records(buf + b)
                for typ, rec in recs:
                    if typ == 23 and client_done.is_set():
                        hold()
                        break
                    if typ == 22 and rec[5:6] == b"\x02" and rec[11:43] != HRR_RANDOM:
                        sh, ccs = True, False
                    elif typ == 20 and sh:
                        ccs = True
                    last = typ == 22 and ccs  # the TLS 1.2 server Finished: the last to pass
                    if last:  # before the client can answer it: its next bytes are dropped
                        held.set()
                    conn.sendall(rec)
                    if last:
                        hold()
                        break
        except OSError:
            pass

    threading.Thread(target=down, daemon=True).start()
    buf = b""
    try:
        while True:
            b = conn.recv(65536)
            if not b:
                break
            recs, buf = records(buf + b)
            if any(typ == 23 for typ, _ in recs):
                client_done.set()  # before the server can answer it
            if not held.is_set():
                try:
                    up.sendall(b)
                except OSError:
                    pass
    except OSError:
        pass
    if resetting.is_set():
        reset(conn)
    for s in (up, conn):  # a shutdown wakes the other thread's recv (a close would not)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def fin_hostile(conn, up, delay_ms, portfile):
    """Forwards the hello, waits delay_ms; True when the client half-closed meanwhile (both
    connections are then closed, the client's unanswered)."""
    try:
        up.sendall(conn.recv(65536))
        threading.Event().wait(delay_ms / 1000)
        conn.setblocking(False)
        try:
            fin = conn.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            fin = False
        conn.setblocking(True)
        conn.settimeout(30)
    except OSError:
        fin = True
    if fin:
        FIN_DROPS[0] += 1
        with open(portfile + ".fin", "w") as f:
            f.write(str(FIN_DROPS[0]))
        up.close()
        conn.close()
    return fin


def reset_after_hello(conn):
    try:
        conn.settimeout(10)
        conn.recv(65536)
    except OSError:
        pass
    reset(conn)


def main():
    mode, backend, portfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(512)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(lsock.getsockname()[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    kind, _, arg = mode.partition(":")
    rng = None
    if kind == "random":
        p, _, seed = arg.partition(":")
        rng, prob = random.Random(int(seed or 1)), float(p)
    n = 0
    open_now, open_lock = [0], threading.Lock()

    def limited(conn, delay_ms):
        counted = [True]

        def gone():
            with open_lock:
                if counted[0]:
                    open_now[0] -= 1
                    counted[0] = False

        try:
            forward(conn, backend, False, delay_ms=delay_ms, gone=gone)
        finally:
            gone()

    while True:
        conn, _ = lsock.accept()
        n += 1
        if kind == "limit":
            most, _, ms = arg.partition(":")
            with open_lock:
                over = open_now[0] >= int(most)
                if not over:
                    open_now[0] += 1
            target, args = (reset_after_hello, (conn,)) if over else (limited, (conn, int(ms or 0)))
            threading.Thread(target=target, args=args, daemon=True).start()
            continue
        if kind == "random" and rng.random() < prob:
            threading.Thread(target=reset_after_hello, args=(conn,), daemon=True).start()
            continue
        if kind == "after" and n > int(arg):
            threading.Thread(target=reset_after_hello, args=(conn,), daemon=True).start()
            continue
        threading.Thread(target=forward, args=(conn, backend, kind == "schannel",
                                               int(arg) if kind == "fin" else 0, portfile,
                                               kind == "stall2",
                                               kind if kind.startswith("hold") else None),
                         kwargs={"trickle_ms": int(arg) if kind == "trickle" else 0},
                         daemon=True).start()
        if kind == "stop" and n >= int(arg):
            lsock.close()
            threading.Event().wait()  # keep serving the open connections


if __name__ == "__main__":
    main()
