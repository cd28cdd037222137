#!/usr/bin/env python3
"""Misbehaving TLS 'servers' on loopback for the scanner's robustness tests.

Usage: hostile_server.py MODE PORTFILE
Modes: silent (accept, never answer), garbage (answer random bytes),
midrecord (half a record, then close), huge (announce a 16 MB handshake
message), reset (reset right after the ClientHello), slowloris (a byte a
second), cert_drip (a real ServerHello, then a Certificate message of 100 KB
sent a byte a second), cert_huge (a real ServerHello, then a Certificate
message announcing 16 MB, 1 KB of it, and silence), cert_cut (a real
ServerHello, then half a Certificate message and a close). Writes the chosen
port to PORTFILE and serves until killed.
"""
import os
import random
import socket
import struct
import sys
import threading
import time


def server_hello(hello):
    """A TLS 1.2 ServerHello choosing the first suite of the ClientHello that is no
    signalling value and no TLS 1.3 suite (enough for a scanner's probe)."""
    body = hello[9:]
    version = min(struct.unpack(">H", body[0:2])[0], 0x0303)
    at = 2 + 32
    at += 1 + body[at]
    n = struct.unpack(">H", body[at:at + 2])[0]
    suites = [struct.unpack(">H", body[at + 2 + i:at + 4 + i])[0] for i in range(0, n, 2)]
    suite = next(c for c in suites if c not in (0x0000, 0x00FF, 0x5600) and c >> 8 != 0x13)
    sh = struct.pack(">H", version) + bytes(32) + b"\x00" + struct.pack(">H", suite) + b"\x00"
    return version, bytes([2]) + struct.pack(">I", len(sh))[1:] + sh


def cert_flight(conn, hello, mode):
    version, sh = server_hello(hello)
    conn.sendall(bytes([0x16]) + struct.pack(">HH", version, len(sh)) + sh)
    announce = {"cert_drip": 100000, "cert_huge": 0xFFFFFF, "cert_cut": 3000}[mode]
    head = bytes([11]) + struct.pack(">I", announce)[1:]
    # A record with the start of the Certificate message (the drip: a byte a second of it).
    first = 1024
    conn.sendall(bytes([0x16]) + struct.pack(">HH", version, len(head) + first) + head +
                 b"\x00" * (first if mode != "cert_drip" else 0))
    if mode == "cert_drip":
        for _ in range(first):
            conn.sendall(b"\x00")
            time.sleep(1)
    elif mode == "cert_huge":
        time.sleep(30)


def read_hello(conn):
    """The first TLS record (the ClientHello); b"" for anything else (an SSLv2 hello)."""
    data = b""
    while len(data) < 5 or len(data) < 5 + struct.unpack(">H", data[3:5])[0]:
        more = conn.recv(65536)
        if not more or data[:1] not in (b"", b"\x16"):
            return b""
        data += more
    return data


def handle(conn, mode):
    try:
        conn.settimeout(30)
        if mode.startswith("cert_"):
            hello = read_hello(conn)
            if hello[:1] == b"\x16":
                cert_flight(conn, hello, mode)
            return
        if mode != "silent":
            conn.recv(65536)
        if mode == "silent":
            time.sleep(60)
        elif mode == "garbage":
            # fixed pseudo-random bytes: the test must not depend on luck
            rng = random.Random(7)
            conn.sendall(b"G" + bytes(rng.getrandbits(8) for _ in range(4095)))
        elif mode == "midrecord":
            conn.sendall(bytes([0x16, 0x03, 0x03, 0x00, 0x40]) + b"\x02\x00\x00")
        elif mode == "huge":
            # a record carrying the start of a 16 MB ServerHello
            body = bytes([0x02, 0xFF, 0xFF, 0xFF]) + b"\x03\x03" + b"\x00" * 100
            conn.sendall(bytes([0x16, 0x03, 0x03]) + struct.pack(">H", len(body)) + body)
            time.sleep(5)
        elif mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "slowloris":
            for b in bytes([0x16, 0x03, 0x03, 0x00, 0x40]):
                conn.sendall(bytes([b]))
                time.sleep(1)
    except (OSError, struct.error, StopIteration):
        pass
    finally:
        conn.close()


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(256)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(s.getsockname()[1]))
    os.replace(tmp, portfile)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handle, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
