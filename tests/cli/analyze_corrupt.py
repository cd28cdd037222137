#!/usr/bin/env python3
"""Corruption corpus for `tlsdiag analyze`: every shared capture cut at several points,
with single bytes flipped, and gzip-compressed then cut or damaged. All variants of one
capture go through one analyze run (one bad file never stops the others). For each:
no crash or sanitizer report, exit 0 or 1, valid JSON, the run ends within its time
limit, and every connection whose frames all lie before the damage is still reported
with the same ClientHello.

Usage: analyze_corrupt.py TLSDIAG SHARED_PCAPS WORKDIR"""
import json
import os
import random
import struct
import subprocess
import sys
import zlib

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
               b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_PACKET_BLOCKS = {2, 3, 6}  # obsolete packet, simple packet, enhanced packet
RUN_LIMIT_S = 120
CUTS = 4
FLIPS = 4


def frame_ends(data):
    """Byte offset at which each frame's record ends, in file order."""
    ends = []
    if data[:4] in PCAP_MAGICS:
        e = PCAP_MAGICS[data[:4]]
        off = 24
        while off + 16 <= len(data):
            incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            off += 16 + incl
            if off > len(data):
                break
            ends.append(off)
        return ends
    off = 0
    e = "<"
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == PCAPNG_SHB:
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12:
            break
        off += blen
        if off > len(data):
            break
        if btype in PCAPNG_PACKET_BLOCKS:
            ends.append(off)
    return ends


def frames_before(ends, damage):
    """Frames whose records end at or before the damage offset."""
    return sum(1 for x in ends if x <= damage)


def gunzip_prefix(gz):
    """What inflate yields from gz before it fails or the input ends."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    for i in range(0, len(gz), 256):
        try:
            out += d.decompress(gz[i:i + 256])
        except zlib.error:
            break
    return bytes(out)


def first_difference(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def conn_key(c):
    return (c["client"]["address"], c["client"]["port"], c["server"]["address"],
            c["server"]["port"], c["first_frame"])


def hello_of(c):
    h = c.get("client_hello")
    return None if h is None else (h.get("legacy_version"), h.get("suites"), c.get("sni"))


def run(tlsdiag, files):
    env = dict(os.environ, NO_COLOR="1")
    try:
        p = subprocess.run([tlsdiag, "analyze", "--json"] + files, capture_output=True,
                           timeout=RUN_LIMIT_S, env=env)
    except subprocess.TimeoutExpired:
        return None, None, "did not end within %d s" % RUN_LIMIT_S
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode not in (0, 1) or "Sanitizer" in err or "runtime error" in err:
        return None, None, "exit %d: %s" % (p.returncode, err[:600])
    try:
        return json.loads(p.stdout), p.returncode, None
    except ValueError as exc:
        return None, None, "not JSON: %s" % exc


def variants(name, data, rng, work):
    """(path, damage offset in the plain stream) for each damaged copy of data."""
    out = []
    base = os.path.join(work, name.replace("/", "_"))
    for i in range(CUTS):
        at = rng.randrange(1, len(data))
        path = "%s.cut%d" % (base, i)
        with open(path, "wb") as f:
            f.write(data[:at])
        out.append((path, at))
    for i in range(FLIPS):
        at = rng.randrange(0, len(data))
        b = bytearray(data)
        b[at] ^= 1 << rng.randrange(8)
        path = "%s.flip%d" % (base, i)
        with open(path, "wb") as f:
            f.write(b)
        out.append((path, at))
    gz = zlib.compress(data, 6, wbits=16 + zlib.MAX_WBITS)
    for kind in ("cut", "flip"):
        b = bytearray(gz)
        at = rng.randrange(10, len(gz))
        if kind == "cut":
            b = b[:at]
        else:
            b[at] ^= 1 << rng.randrange(8)
        path = "%s.gz%s.gz" % (base, kind)
        with open(path, "wb") as f:
            f.write(b)
        plain = gunzip_prefix(bytes(b))
        out.append((path, first_difference(plain, data)))
    return out


def main():
    tlsdiag, pcaps, work = sys.argv[1:4]
    names = []
    for root, _, files in os.walk(pcaps):
        for f in files:
            if f.endswith((".pcap", ".pcapng", ".cap")):
                names.append(os.path.relpath(os.path.join(root, f), pcaps))
    names.sort()
    if not names:
        print("SKIP: no shared captures")
        return 77
    fails = checks = variants_run = 0
    for name in names:
        with open(os.path.join(pcaps, name), "rb") as f:
            data = f.read()
        rng = random.Random(name)  # the same damage on every run
        ref, _, why = run(tlsdiag, [os.path.join(pcaps, name)])
        if ref is None:
            print("FAIL: %s undamaged: %s" % (name, why))
            fails += 1
            continue
        for c in ref["connections"]:
            checks += 1
            if not 0 < c["first_frame"] <= c["last_frame"]:
                fails += 1
                print("FAIL: %s: connection %s has frames %d-%d" %
                      (name, conn_key(c), c["first_frame"], c["last_frame"]))
        ends = frame_ends(data)
        vs = variants(name, data, rng, work)
        got, _, why = run(tlsdiag, [p for p, _ in vs])
        variants_run += len(vs)
        checks += 1
        if got is None:
            print("FAIL: %s damaged copies: %s" % (name, why))
            fails += 1
            continue
        by_file = {}
        for c in got["connections"]:
            by_file.setdefault(c["source"], {})[conn_key(c)] = c
        for path, damage in vs:
            n = frames_before(ends, damage)
            seen = by_file.get(path, {})
            for c in ref["connections"]:
                if c["last_frame"] > n:
                    continue
                checks += 1
                d = seen.get(conn_key(c))
                if d is None or hello_of(d) != hello_of(c):
                    fails += 1
                    print("FAIL: %s: connection %s (frames %d-%d) before the damage at byte %d "
                          "(frame %d) %s" % (os.path.basename(path), conn_key(c), c["first_frame"],
                                             c["last_frame"], damage, n + 1,
                                             "missing" if d is None else "has another hello"))
        for p, _ in vs:
            os.unlink(p)
    print("%d captures, %d damaged copies, %d checks, %d failed" %
          (len(names), variants_run, checks, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
