#!/usr/bin/env python3
"""Misbehaving TLS 'servers' on loopback for the scanner's robustness tests.

Usage: hostile_server.py MODE PORTFILE [CERT_PEM]
Modes: silent (accept, never answer), garbage (answer random bytes),
midrecord (half a record, then close), huge (announce a 16 MB handshake
message), reset (reset right after the ClientHello), slowloris (a byte a
second), cert_drip (a real ServerHello, then a Certificate message of 100 KB
sent a byte every 0.3 s, faster than any one read times out), cert_huge (a real ServerHello, then a Certificate
message announcing 16 MB, 1 KB of it, and silence), cert_cut (a real
ServerHello, then half a Certificate message and a close),
drip (a ServerHello record a byte a second, for a minute),
hrr (a HelloRetryRequest to every ClientHello, the retried ones in the same
connection too), alert255 (a fatal alert with description 255, which TLS does
not define), alert_level7 (an alert of level 7, neither warning nor fatal,
description handshake_failure), sh_close (a real ServerHello, then a close),
midrecord_rst (half a record, then a reset), sslv2 (an SSLv2 SERVER-HELLO to any
hello, with the certificate of CERT_PEM), flood (after the ClientHello, records
full of HelloRequest messages as fast as the client reads, for a minute).
Writes the chosen port to PORTFILE and serves until killed.
"""
import os
import random
import socket
import ssl
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
    # A record with the start of the Certificate message (the drip: a byte every 0.3 s of it).
    first = 1024
    conn.sendall(bytes([0x16]) + struct.pack(">HH", version, len(head) + first) + head +
                 b"\x00" * (first if mode != "cert_drip" else 0))
    if mode == "cert_drip":
        for _ in range(first):
            conn.sendall(b"\x00")
            time.sleep(0.3)
    elif mode == "cert_huge":
        time.sleep(30)


HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")
SSL2_KINDS = (0x010080, 0x0700C0)  # RC4_128_WITH_MD5, DES_192_EDE3_CBC_WITH_MD5
CERT_DER = b""  # set from CERT_PEM


def record(ctype, payload, version=0x0303):
    return bytes([ctype]) + struct.pack(">HH", version, len(payload)) + payload


def handshake(htype, body):
    return bytes([htype]) + struct.pack(">I", len(body))[1:] + body


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        more = conn.recv(n - len(data))
        if not more:
            return None
        data += more
    return data


def parse_hello(body):
    """The fields of a ClientHello body (after the 4-byte handshake header) these modes use:
    session_id, suites, extensions {type: data}."""
    at = 2 + 32
    sid = body[at + 1:at + 1 + body[at]]
    at += 1 + body[at]
    n = struct.unpack(">H", body[at:at + 2])[0]
    suites = [struct.unpack(">H", body[at + 2 + i:at + 4 + i])[0] for i in range(0, n, 2)]
    at += 2 + n
    at += 1 + body[at]
    exts = {}
    if at + 2 <= len(body):
        end = at + 2 + struct.unpack(">H", body[at:at + 2])[0]
        at += 2
        while at + 4 <= end:
            etype, elen = struct.unpack(">HH", body[at:at + 4])
            exts[etype] = body[at + 4:at + 4 + elen]
            at += 4 + elen
    return sid, suites, exts


def u16_list(data):
    return [struct.unpack(">H", data[i:i + 2])[0] for i in range(0, len(data) - 1, 2)]


def hello_retry_request(body):
    """RFC 8446 4.1.4: a HelloRetryRequest for the ClientHello body, asking for a group the
    client offered without a key share (its first group when it sent shares for all)."""
    sid, suites, exts = parse_hello(body)
    suite = next((c for c in suites if c >> 8 == 0x13), 0x1301)
    groups = u16_list(exts.get(10, b"")[2:]) or [0x001D]
    shares, ks = [], exts.get(51, b"")[2:]
    while len(ks) >= 4:
        g, n = struct.unpack(">HH", ks[:4])
        shares.append(g)
        ks = ks[4 + n:]
    group = next((g for g in groups if g not in shares), groups[0])
    ext = struct.pack(">HHH", 43, 2, 0x0304) + struct.pack(">HHH", 51, 2, group)
    sh = (struct.pack(">H", 0x0303) + HRR_RANDOM + bytes([len(sid)]) + sid +
          struct.pack(">HB", suite, 0) + struct.pack(">H", len(ext)) + ext)
    return record(22, handshake(2, sh))


def endless_hrr(conn):
    """A HelloRetryRequest to each ClientHello of the connection, until the client stops."""
    while True:
        head = read_exact(conn, 5)
        if not head:
            return
        if head[0] & 0x80:  # an SSLv2 CLIENT-HELLO: a HelloRetryRequest all the same
            read_exact(conn, ((head[0] & 0x7F) << 8 | head[1]) - 3)
            conn.sendall(hello_retry_request(struct.pack(">H", 0x0303) + bytes(33) +
                                             b"\x00\x02\x13\x01\x01\x00"))
            continue
        payload = read_exact(conn, struct.unpack(">H", head[3:5])[0])
        if payload is None:
            return
        if head[0] == 22 and payload[:1] == b"\x01":
            conn.sendall(hello_retry_request(payload[4:]))
        elif head[0] == 21:  # the client's alert: it gave up
            return


def ssl2_server_hello(first):
    """An SSLv2 SERVER-HELLO (draft-hickman 'SSL 0.2'): the client's SSLv2 cipher kinds that
    this server has, or all of them to a TLS hello."""
    kinds = list(SSL2_KINDS)
    if first[:1] and first[0] & 0x80 and len(first) >= 11 and first[2] == 1:
        nspec = struct.unpack(">H", first[5:7])[0]
        offered = [int.from_bytes(first[11 + i:14 + i], "big") for i in range(0, nspec, 3)]
        kinds = [k for k in kinds if k in offered] or kinds
    specs = b"".join(k.to_bytes(3, "big") for k in kinds)
    conn_id = bytes(range(16))
    body = (bytes([4, 0, 1]) + struct.pack(">HHHH", 0x0002, len(CERT_DER), len(specs),
                                           len(conn_id)) + CERT_DER + specs + conn_id)
    return struct.pack(">H", 0x8000 | len(body)) + body


def flood(conn):
    """Records of HelloRequest messages (RFC 5246 7.4.1.1: a client ignores them during a
    handshake) as fast as the client takes them."""
    rec = record(22, bytes(16384))
    end = time.time() + 60
    while time.time() < end:
        conn.sendall(rec * 8)


def drip(conn, hello):
    _, sh = server_hello(hello)
    for b in record(22, sh):
        conn.sendall(bytes([b]))
        time.sleep(1)
    time.sleep(60)


def new_modes(conn, mode):
    """The modes of the hostile-peer harness (issue 19)."""
    if mode == "hrr":
        endless_hrr(conn)
        return
    first = conn.recv(65536)
    if not first:
        return
    if mode == "sslv2":
        conn.sendall(ssl2_server_hello(first))
        time.sleep(5)
    elif mode == "alert255":
        conn.sendall(record(21, bytes([2, 255])))
    elif mode == "alert_level7":
        conn.sendall(record(21, bytes([7, 40])))
    elif mode == "sh_close":
        # with an empty renegotiation_info (RFC 5746), which libssl requires of a server
        version, sh = server_hello(first)
        ext = struct.pack(">HHB", 0xFF01, 1, 0)
        body = sh[4:] + struct.pack(">H", len(ext)) + ext
        conn.sendall(record(22, handshake(2, body), version))
    elif mode == "midrecord_rst":
        conn.sendall(bytes([0x16, 0x03, 0x03, 0x00, 0x40]) + b"\x02\x00\x00")
        time.sleep(0.2)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif mode == "flood":
        flood(conn)
    elif mode == "drip":
        drip(conn, first)


NEW_MODES = ("hrr", "sslv2", "alert255", "alert_level7", "sh_close", "midrecord_rst", "flood",
             "drip")


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
        if mode in NEW_MODES:
            new_modes(conn, mode)
            return
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
    except (OSError, struct.error, StopIteration, IndexError, ValueError):
        pass
    finally:
        conn.close()


def main():
    global CERT_DER
    mode, portfile = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        CERT_DER = ssl.PEM_cert_to_DER_cert(open(sys.argv[3]).read())
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
