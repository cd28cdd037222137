"""Writes a pcap of many short TLS connections: each a TCP handshake, a ClientHello and
the server's end (a reset, a close, or a handshake_failure alert then a close), for the
size of the reports made from big captures; or of connections that hold the analyser's
memory (issue 19): half-open ones that never end (a SYN alone, or half a ClientHello
never answered), and ClientHellos whose second segment arrives before the first. The
bytes are built field by field (RFC 793 headers, RFC 5246 7.4.1.2 ClientHello, RFC 6066 3
server_name); checksums are left 0, which the analyser does not check.

    synth_pcap.py PATH N [handshakes|syn|hello|ooo|in-order]"""
import struct

LINKTYPE_ETHERNET = 1
ENDS = ("reset", "close", "alert")


def _vec(n_len, body):
    return len(body).to_bytes(n_len, "big") + body


def client_hello(sni, padding=0):
    """A TLS 1.2 ClientHello record offering three suites, with server_name sni (bytes)
    and, when padding > 0, a padding extension (RFC 7685) of that many zero bytes."""
    suites = struct.pack("!3H", 0xC02F, 0xC030, 0x009C)
    sni_ext = struct.pack("!H", 0) + _vec(2, _vec(2, b"\x00" + _vec(2, sni)))
    groups_ext = struct.pack("!H", 10) + _vec(2, _vec(2, struct.pack("!2H", 0x001D, 0x0017)))
    sigalgs_ext = struct.pack("!H", 13) + _vec(2, _vec(2, struct.pack("!2H", 0x0403, 0x0804)))
    pad_ext = struct.pack("!H", 21) + _vec(2, bytes(padding)) if padding else b""
    body = (b"\x03\x03" + bytes(range(32)) + _vec(1, b"") + _vec(2, suites) + _vec(1, b"\x00")
            + _vec(2, sni_ext + groups_ext + sigalgs_ext + pad_ext))
    hs = b"\x01" + _vec(3, body)
    return b"\x16\x03\x01" + _vec(2, hs)


ALERT_HANDSHAKE_FAILURE = b"\x15\x03\x03\x00\x02\x02\x28"


class Writer:
    def __init__(self, f):
        self.f = f
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))

    def packet(self, ts_us, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64,
                         6, 0, bytes(src), bytes(dst))
        eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
        frame = eth + ip + tcp + payload
        self.f.write(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(frame),
                                 len(frame)))
        self.f.write(frame)


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def flow(w, ts, client, server, sport, sni, end):
    """One connection from client to server:443 starting at ts (microseconds)."""
    c_isn, s_isn = 1000, 5000
    ch = client_hello(sni)
    w.packet(ts, client, server, sport, 443, c_isn, 0, SYN)
    w.packet(ts + 100, server, client, 443, sport, s_isn, c_isn + 1, SYN | ACK)
    w.packet(ts + 200, client, server, sport, 443, c_isn + 1, s_isn + 1, ACK)
    w.packet(ts + 300, client, server, sport, 443, c_isn + 1, s_isn + 1, PSH | ACK, ch)
    c_next = c_isn + 1 + len(ch)
    if end == "reset":
        w.packet(ts + 900, server, client, 443, sport, s_isn + 1, c_next, RST | ACK)
        return
    s_next = s_isn + 1
    if end == "alert":
        w.packet(ts + 800, server, client, 443, sport, s_next, c_next, PSH | ACK,
                 ALERT_HANDSHAKE_FAILURE)
        s_next += len(ALERT_HANDSHAKE_FAILURE)
    w.packet(ts + 900, server, client, 443, sport, s_next, c_next, FIN | ACK)
    w.packet(ts + 1000, client, server, sport, 443, c_next, s_next + 1, FIN | ACK)


def write(path, n, clients=1000, servers=50, hostile_sni=None):
    """n connections, 2 ms apart, from `clients` client addresses to `servers` servers,
    ending in turn by reset, close and alert. With hostile_sni (bytes) the first
    connection sends that server name."""
    with open(path, "wb") as f:
        w = Writer(f)
        t0 = 1_700_000_000_000_000
        for i in range(n):
            c = i % clients
            client = (10, 1, c >> 8, c & 255)
            server = (192, 0, 2, 1 + i % servers)
            sni = hostile_sni if (hostile_sni and i == 0) else b"host%d.example" % (i % servers)
            flow(w, t0 + i * 2000, client, server, 20000 + (i // clients) % 40000, sni,
                 ENDS[i % 3])


def _endpoints(i):
    """Connection i's client address and port, all distinct up to 2**24 connections."""
    return (10, (i >> 16) & 255, (i >> 8) & 255, i & 255), 40000 + (i >> 24)


SERVER = (192, 0, 2, 1)
T0 = 1_700_000_000_000_000
FLOOD_HELLO = client_hello(b"flood.example")


def half_open(w, ts, client, sport, hello=False):
    """One connection to SERVER:443 that never ends: a SYN alone, or with hello the TCP
    handshake and the first half of a ClientHello that the server never answers."""
    w.packet(ts, client, SERVER, sport, 443, 1000, 0, SYN)
    if hello:
        w.packet(ts + 1, SERVER, client, 443, sport, 5000, 1001, SYN | ACK)
        w.packet(ts + 2, client, SERVER, sport, 443, 1001, 5001, ACK)
        w.packet(ts + 3, client, SERVER, sport, 443, 1001, 5001, PSH | ACK,
                 FLOOD_HELLO[:len(FLOOD_HELLO) // 2])


def write_half_open(path, n, hello=False, spacing_us=10):
    """n half-open connections (half_open), one every spacing_us (a flood: all of them
    within the idle time)."""
    with open(path, "wb") as f:
        w = Writer(f)
        for i in range(n):
            client, sport = _endpoints(i)
            half_open(w, T0 + i * spacing_us, client, sport, hello)


OOO_SPLIT = 200  # the ClientHello's first segment; the rest is the second


def write_split_hellos(path, n, in_order, spacing_us=10, padding=2000):
    """n connections, each a TCP handshake and a ClientHello of about 200 + padding bytes
    in two segments, then the server's reset. All handshakes and one segment of every hello
    come first (the second segment when not in_order: it waits in the reassembly for the
    first), then the other segment and the reset of each connection, in the same order."""
    ch = client_hello(b"split.example", padding=padding)
    parts = [(0, ch[:OOO_SPLIT]), (OOO_SPLIT, ch[OOO_SPLIT:])]
    first, second = parts if in_order else parts[::-1]
    with open(path, "wb") as f:
        w = Writer(f)
        for i in range(n):
            client, sport = _endpoints(i)
            ts = T0 + i * spacing_us
            w.packet(ts, client, SERVER, sport, 443, 1000, 0, SYN)
            w.packet(ts + 1, SERVER, client, 443, sport, 5000, 1001, SYN | ACK)
            w.packet(ts + 2, client, SERVER, sport, 443, 1001, 5001, ACK)
            w.packet(ts + 3, client, SERVER, sport, 443, 1001 + first[0], 5001, PSH | ACK,
                     first[1])
        for i in range(n):
            client, sport = _endpoints(i)
            ts = T0 + (n + i) * spacing_us
            w.packet(ts, client, SERVER, sport, 443, 1001 + second[0], 5001, PSH | ACK,
                     second[1])
            w.packet(ts + 1, SERVER, client, 443, sport, 5001, 1001 + len(ch), RST | ACK)


if __name__ == "__main__":
    import sys
    kind = sys.argv[3] if len(sys.argv) > 3 else "handshakes"
    count = int(sys.argv[2])
    if kind == "handshakes":
        write(sys.argv[1], count)
    elif kind in ("syn", "hello"):
        write_half_open(sys.argv[1], count, hello=kind == "hello")
    elif kind in ("ooo", "in-order"):
        write_split_hellos(sys.argv[1], count, in_order=kind == "in-order")
    else:
        sys.exit(f"unknown kind {kind}: handshakes, syn, hello, ooo or in-order")
