#!/usr/bin/env python3
"""Misbehaving TLS clients on loopback for `tlsdiag serve` (the hostile-peer harness, issue 19).

Usage: hostile_client.py PORT MODE...

Runs one connection per MODE at once, each waiting (at most 30 s) for the server to
close it, and prints one JSON object: per mode, the client's local port (to find serve's
record of it) and how the connection ended for the client ("closed", "reset", "hung").
Modes:
  silent       connect, send nothing
  drip         a ClientHello a byte a second
  garbage      4 KB of fixed pseudo-random bytes
  huge         a ClientHello record whose message claims 2^24 - 1 bytes, 1 KB of it
  hrr_loop     a TLS 1.3 ClientHello without key shares; to each HelloRetryRequest the
               same ClientHello again (still without the share it asked for)
  alert255     a ClientHello, then a fatal alert with description 255 (undefined)
  alert_level7 a ClientHello, then an alert of level 7 (neither warning nor fatal)
  close_hello  a ClientHello, then a close (FIN) at once
  rst_midrecord half a ClientHello record, then a reset
  sslv2        an SSLv2 CLIENT-HELLO offering SSLv2 only
  flood        connect, then handshake records (a ClientHello claiming ~1 MB) as fast as
               the server takes them
"""
import json
import random
import socket
import struct
import sys
import threading
import time

LIMIT = 30.0


def record(ctype, payload, version=0x0301):
    return bytes([ctype]) + struct.pack(">HH", version, len(payload)) + payload


def ext(etype, data):
    return struct.pack(">HH", etype, len(data)) + data


def vec16(data):
    return struct.pack(">H", len(data)) + data


def client_hello(key_shares=True):
    """A TLS 1.2 and 1.3 ClientHello (x25519 and P-256; with key_shares False an empty
    key_share list, so that a TLS 1.3 server must ask for one with a HelloRetryRequest)."""
    suites = [0x1301, 0x1302, 0x1303, 0xC02F, 0xC030, 0xC02B, 0xC02C, 0x009E]
    shares = b""
    if key_shares:
        shares = struct.pack(">HH", 0x001D, 32) + bytes(range(1, 33))
    exts = (ext(43, bytes([4]) + struct.pack(">HH", 0x0304, 0x0303)) +
            ext(10, vec16(struct.pack(">HH", 0x001D, 0x0017))) +
            ext(13, vec16(struct.pack(">HHHHH", 0x0804, 0x0403, 0x0401, 0x0805, 0x0503))) +
            ext(11, bytes([1, 0])) + ext(0xFF01, b"\x00") + ext(51, vec16(shares)))
    body = (struct.pack(">H", 0x0303) + bytes(range(32)) + bytes([32]) + bytes(32) +
            vec16(b"".join(struct.pack(">H", s) for s in suites)) + bytes([1, 0]) + vec16(exts))
    return record(22, bytes([1]) + struct.pack(">I", len(body))[1:] + body)


def ssl2_client_hello():
    """SSLv2 CLIENT-HELLO, version 0x0002, two SSLv2 cipher kinds, a 16-byte challenge."""
    specs = bytes.fromhex("010080" "0700c0")
    body = bytes([1]) + struct.pack(">HHHH", 0x0002, len(specs), 0, 16) + specs + bytes(16)
    return struct.pack(">H", 0x8000 | len(body)) + body


def read_record(sock):
    head = b""
    while len(head) < 5:
        more = sock.recv(5 - len(head))
        if not more:
            return None, None
        head += more
    n = struct.unpack(">H", head[3:5])[0]
    body = b""
    while len(body) < n:
        more = sock.recv(n - len(body))
        if not more:
            return None, None
        body += more
    return head[0], body


HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")


def wait_close(sock):
    """How the server ended the connection: "closed", "reset" or "hung" (still open)."""
    sock.settimeout(LIMIT)
    try:
        while sock.recv(65536):
            pass
        return "closed"
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "hung"
    except OSError:
        return "reset"


def send_hello_then(sock, tail):
    sock.sendall(client_hello())
    time.sleep(0.3)  # the server's first flight goes out
    sock.sendall(tail)


def run(port, mode, out):
    sock = socket.create_connection(("127.0.0.1", port))
    out[mode] = {"port": sock.getsockname()[1]}
    hello = client_hello()
    try:
        if mode == "drip":
            sock.settimeout(1.0)
            for b in hello:
                sock.sendall(bytes([b]))
                try:
                    if sock.recv(100) == b"":
                        break
                except socket.timeout:
                    pass
        elif mode == "garbage":
            rng = random.Random(19)
            sock.sendall(b"G" + bytes(rng.getrandbits(8) for _ in range(4095)))
        elif mode == "huge":
            sock.sendall(record(22, bytes([1, 0xFF, 0xFF, 0xFF]) + bytes(1020)))
        elif mode == "hrr_loop":
            hello = client_hello(key_shares=False)
            sock.sendall(hello)
            out[mode]["hrrs"] = 0
            while True:
                ctype, body = read_record(sock)
                if ctype is None or ctype != 22 or body[:1] != b"\x02":
                    break
                if body[6:38] == HRR_RANDOM:
                    out[mode]["hrrs"] += 1
                    sock.sendall(hello)
        elif mode == "alert255":
            send_hello_then(sock, record(21, bytes([2, 255]), 0x0303))
        elif mode == "alert_level7":
            send_hello_then(sock, record(21, bytes([7, 40]), 0x0303))
        elif mode == "close_hello":
            sock.sendall(hello)
            sock.shutdown(socket.SHUT_WR)
        elif mode == "rst_midrecord":
            sock.sendall(hello[: len(hello) // 2])
            time.sleep(0.3)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            out[mode]["end"] = "reset by the client"
            return
        elif mode == "sslv2":
            sock.sendall(ssl2_client_hello())
        elif mode == "flood":
            # the start of a ClientHello that claims ~1 MB, then its records without end
            sock.sendall(record(22, bytes([1, 0x0F, 0xFF, 0xF0]) + bytes(16380)))
            rec = record(22, bytes(16384))
            end = time.time() + LIMIT
            while time.time() < end:
                sock.sendall(rec * 8)
    except OSError as e:
        out[mode]["send_error"] = type(e).__name__
    out[mode]["end"] = wait_close(sock)
    sock.close()


def main():
    port, modes = int(sys.argv[1]), sys.argv[2:]
    out = {}
    threads = [threading.Thread(target=run, args=(port, m, out)) for m in modes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
