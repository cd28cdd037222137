#!/usr/bin/env python3
"""Misbehaving TLS 'servers' on loopback for the scanner's robustness tests.

Usage: hostile_server.py MODE PORTFILE
Modes: silent (accept, never answer), garbage (answer random bytes),
midrecord (half a record, then close), huge (announce a 16 MB handshake
message), reset (reset right after the ClientHello), slowloris (a byte a
second). Writes the chosen port to PORTFILE and serves until killed.
"""
import os
import random
import socket
import struct
import sys
import threading
import time


def handle(conn, mode):
    try:
        conn.settimeout(30)
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
    except OSError:
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
