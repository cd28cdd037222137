#!/usr/bin/env python3
"""A 'server' on loopback that answers any ClientHello with a fixed ServerHello, legal or
not, for the tests of `tlsdiag connect --as` (a real client aborts on an illegal answer).

Usage: illegal_server.py MODE PORTFILE
Modes: legal (TLS 1.0, TLS_RSA_WITH_3DES_EDE_CBC_SHA), suite (TLS 1.0 with
TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), version (TLS 1.2 with 3DES), keyshare (TLS 1.3 with a
secp521r1 key share), hrr_sent (a HelloRetryRequest for x25519), alpn (legal, with an ALPN
protocol holding an ESC sequence and a byte that is not UTF-8). Writes the port to PORTFILE
and serves until killed.
"""
import hashlib
import os
import socket
import struct
import sys

HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()


def ext(code, body):
    return struct.pack(">HH", code, len(body)) + body


def server_hello(version, suite, exts=b"", random=b"\x11" * 32):
    body = struct.pack(">H", version) + random + b"\x00" + struct.pack(">HB", suite, 0)
    body += struct.pack(">H", len(exts)) + exts
    msg = bytes([2]) + struct.pack(">I", len(body))[1:] + body
    return bytes([0x16, 3, 1 if version == 0x0301 else 3]) + struct.pack(">H", len(msg)) + msg


# The rest of a legal TLS 1.0 flight as far as the answer goes: ServerHelloDone (a
# ServerHello alone, cut there, is no answer a client can go on with).
HELLO_DONE = bytes([0x16, 3, 1, 0, 4, 14, 0, 0, 0])

ANSWERS = {
    "legal": server_hello(0x0301, 0x000A) + HELLO_DONE,
    "suite": server_hello(0x0301, 0xC02F),
    "version": server_hello(0x0303, 0x000A),
    "keyshare": server_hello(0x0303, 0x1301, ext(0x2B, b"\x03\x04") +
                             ext(0x33, struct.pack(">HH", 0x0019, 133) + b"\x04" * 133)),
    # A legal answer whose ALPN protocol carries an ESC sequence and a byte that is not UTF-8.
    "alpn": server_hello(0x0301, 0x000A, ext(0x10, struct.pack(">HB", 8, 7) + b"\x1b[2Jh\xff2"))
    + HELLO_DONE,
    "hrr_sent": server_hello(0x0303, 0x1301, ext(0x2B, b"\x03\x04") +
                             ext(0x33, struct.pack(">H", 0x001D)), HRR_RANDOM),
}


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.replace(portfile + ".tmp", portfile)
    while True:
        conn, _ = s.accept()
        try:
            conn.settimeout(10)
            conn.recv(65536)
            conn.sendall(ANSWERS[mode])
            conn.recv(1)
        except OSError:
            pass
        conn.close()


main()
