"""Writes a pcap of many short TLS connections: each a TCP handshake, a ClientHello and
the server's end (a reset, a close, or a handshake_failure alert then a close), for the
size of the reports made from big captures. The bytes are built field by field (RFC 793
headers, RFC 5246 7.4.1.2 ClientHello, RFC 6066 3 server_name); checksums are left 0,
which the analyser does not check."""
import struct

LINKTYPE_ETHERNET = 1
ENDS = ("reset", "close", "alert")


def _vec(n_len, body):
    return len(body).to_bytes(n_len, "big") + body


def client_hello(sni):
    """A TLS 1.2 ClientHello record offering three suites, with server_name sni (bytes)."""
    suites = struct.pack("!3H", 0xC02F, 0xC030, 0x009C)
    sni_ext = struct.pack("!H", 0) + _vec(2, _vec(2, b"\x00" + _vec(2, sni)))
    groups_ext = struct.pack("!H", 10) + _vec(2, _vec(2, struct.pack("!2H", 0x001D, 0x0017)))
    sigalgs_ext = struct.pack("!H", 13) + _vec(2, _vec(2, struct.pack("!2H", 0x0403, 0x0804)))
    body = (b"\x03\x03" + bytes(range(32)) + _vec(1, b"") + _vec(2, suites) + _vec(1, b"\x00")
            + _vec(2, sni_ext + groups_ext + sigalgs_ext))
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


if __name__ == "__main__":
    import sys
    write(sys.argv[1], int(sys.argv[2]))
