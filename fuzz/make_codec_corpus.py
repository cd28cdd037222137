#!/usr/bin/env python3
"""Writes the seed corpora of the codec fuzz targets (fuzz/corpus/{client_hello,
server_msgs,record}) from testssl's client hellos and tests/unit/fixtures/server_msgs.txt.
Usage: fuzz/make_codec_corpus.py [client-simulation.txt]"""
import os
import re
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sim = sys.argv[1] if len(sys.argv) > 1 else "/etc/testssl/client-simulation.txt"


def write(parser, name, data):
    d = os.path.join(top, "fuzz", "corpus", parser)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


hellos = [bytes.fromhex(h) for h in re.findall(r'handshakebytes\+=\("([0-9a-fA-F]+)"\)',
                                               open(sim).read())]
# Every fourth hello: a few dozen covering SSLv2, SSLv3, TLS 1.0-1.3 and GREASE.
for i, h in enumerate(hellos[::4]):
    write("client_hello", "testssl_%03d" % i, h)
    write("client_hello", "testssl_%03d_msg" % i, h[2:] if h[0] & 0x80 else h[5:])

versions = {"tls10": 2, "tls12": 4, "tls13": 5}
scen = {}
for line in open(os.path.join(top, "tests/unit/fixtures/server_msgs.txt")):
    s, label, hexmsg = line.rstrip("\n").split("\t")
    scen.setdefault(s, []).append((label, bytes.fromhex(hexmsg)))
for s, msgs in scen.items():
    v = next(n for p, n in versions.items() if s.startswith(p))
    suite = b"\0\0"
    for label, m in msgs:
        if label == "ServerHello":
            sid = m[38]
            suite = m[39 + sid:41 + sid]
    for i, (label, m) in enumerate(msgs):
        write("server_msgs", "%s_%d_%s" % (s, i, label), bytes([v]) + suite + m)
    # The flight as records: cleartext messages, then (1.3) the rest as one
    # encrypted-looking record; alerts as alert records.
    out = bytearray()
    clear = True
    for label, m in msgs:
        if label == "Alert":
            out += b"\x15\x03\x03" + len(m).to_bytes(2, "big") + m
        elif clear:
            out += b"\x16\x03\x03" + len(m).to_bytes(2, "big") + m
        else:
            out += b"\x17\x03\x03" + (len(m) + 17).to_bytes(2, "big") + m + bytes(17)
        if s.startswith("tls13") and label == "ServerHello" and m[6:38] != bytes.fromhex(
                "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"):
            clear = False
    for chunk in (0, 3, 40):
        write("record", "%s_chunk%d" % (s, chunk), bytes([chunk]) + bytes(out))
for i, h in enumerate(hellos[::16]):
    write("record", "testssl_%02d" % i, b"\x05" + h)
