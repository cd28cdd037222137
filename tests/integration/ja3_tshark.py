#!/usr/bin/env python3
"""JA3 and JA3S of tlsdiag analyze against tshark's own (tls.handshake.ja3, ja3s: MD5),
connection by connection, over every capture in ../shared/pcaps.

For each TCP connection (its innermost addresses and ports; in capture order when a pair
of endpoints is used again): tshark's JA3 of the first ClientHello and JA3S of the last
ServerHello (the one after a HelloRetryRequest) must equal tlsdiag's client_hello.ja3 and
server_hello.ja3s. Left out, each for a reason tested here, not by name:
  - a hello tshark marks malformed, or that tlsdiag could not parse whole while tshark has
    an expert message on it (tshark fingerprints the fields it could read; tlsdiag does not
    fingerprint a partial hello, and reports the parse error instead);
  - an SSLv2-format ClientHello (tshark computes no JA3 for it; tlsdiag does, from the
    version-2 cipher specs, as the JA3 reference code does);
  - TLS inside QUIC or DTLS (not TCP; tlsdiag reads TLS over TCP).
Prints one line per disagreement and the counts; exit 1 on any disagreement."""
import csv
import json
import os
import subprocess
import sys

TLSDIAG = os.environ["TLSDIAG"]
SHARED = os.environ.get("TLSD_SHARED", os.path.join(os.path.dirname(__file__), "../../../shared"))
PCAPS = os.path.join(SHARED, "pcaps")


def last(field):
    return field.split("|")[-1] if field else ""


def tshark(path, extra):
    """connection key -> [{"ja3": first ClientHello's, "ja3s": last ServerHello's,
    "malformed", "expert"}, ...] (one per TCP stream, in stream order)."""
    args = ["tshark", "-n", "-r", path, "-o", "tls.desegment_ssl_records:TRUE",
            "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tcp.reassemble_out_of_order:TRUE"]
    if extra and extra != "-":
        args += extra.split()
    args += ["-Y", "tcp && (tls.handshake.type == 1 || tls.handshake.type == 2)", "-T", "fields",
             "-E", "occurrence=a", "-E", "aggregator=|", "-e", "tcp.stream",
             "-e", "frame.protocols", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src",
             "-e", "ipv6.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
             "-e", "tls.handshake.ja3", "-e", "tls.handshake.ja3s", "-e", "_ws.malformed",
             "-e", "_ws.expert.message"]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    streams = {}
    for line in out.splitlines():
        (stream, protos, ip4s, ip4d, ip6s, ip6d, sport, dport, ja3, ja3s, malformed,
         expert) = (line.split("\t") + [""] * 12)[:12]
        stack = [p for p in protos.split(":") if p in ("ip", "ipv6")]
        inner6 = bool(stack) and stack[-1] == "ipv6"
        a = (last(ip6s) if inner6 else last(ip4s), last(sport))
        b = (last(ip6d) if inner6 else last(ip4d), last(dport))
        s = streams.setdefault(int(stream), {"key": tuple(sorted([a, b])), "ja3": None,
                                             "ja3s": None, "malformed": False, "expert": False})
        s["malformed"] |= bool(malformed)
        s["expert"] |= bool(expert)
        for x in filter(None, ja3.split("|")):
            s["ja3"] = s["ja3"] or x
        for x in filter(None, ja3s.split("|")):
            s["ja3s"] = x
    conns = {}
    for n in sorted(streams):
        conns.setdefault(streams[n]["key"], []).append(streams[n])
    return conns


def ours(path):
    out = subprocess.run([TLSDIAG, "analyze", "--jsonl", path], capture_output=True,
                         text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    conns = {}
    for d in sorted(rows, key=lambda d: d["first_frame"]):
        ch, sh = d.get("client_hello") or {}, d.get("server_hello") or {}
        a = (d["client"]["address"], str(d["client"]["port"]))
        b = (d["server"]["address"], str(d["server"]["port"]))
        conns.setdefault(tuple(sorted([a, b])), []).append(
            {"ja3": ch.get("ja3"), "ja3s": sh.get("ja3s"), "sslv2": bool(ch.get("sslv2_format")),
             "parse_error": d.get("parse_error")})
    return conns


def main():
    with open(os.path.join(PCAPS, "MANIFEST.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    agree = left_out = 0
    fails = []
    for row in rows:
        theirs = tshark(os.path.join(PCAPS, row["path"]), row.get("tshark_extra_args", "-"))
        mine = ours(os.path.join(PCAPS, row["path"]))
        none_t = {"ja3": None, "ja3s": None, "malformed": False, "expert": False}
        none_o = {"ja3": None, "ja3s": None, "sslv2": False, "parse_error": None}
        for conn in sorted(set(theirs) | set(mine)):
            tl, ol = theirs.get(conn, []), mine.get(conn, [])
            for i in range(max(len(tl), len(ol))):
                t = tl[i] if i < len(tl) else none_t
                o = ol[i] if i < len(ol) else none_o
                for key in ("ja3", "ja3s"):
                    if t[key] is None and o[key] is None:
                        continue
                    if t["malformed"] or (o["parse_error"] and t["expert"]) or \
                            (key == "ja3" and o["sslv2"]):
                        left_out += 1
                        continue
                    if t[key] == o[key]:
                        agree += 1
                    else:
                        fails.append(f"{row['path']} {conn} #{i} {key.upper()}: tlsdiag {o[key]} "
                                     f"(parse error: {o['parse_error']}), tshark {t[key]}")
    for f in fails:
        print("FAIL " + f)
    print(f"{agree} JA3/JA3S agree, {len(fails)} differ, {left_out} left out "
          f"(malformed or partial hellos, SSLv2-format hellos); {len(rows)} captures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
