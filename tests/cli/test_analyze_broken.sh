#!/usr/bin/env bash
# `tlsdiag analyze` on broken input: a missing file, wrong magic, random bytes, an empty
# file, a file cut in the middle of a record, zero-length packets, bogus IP header lengths
# and a huge snaplen. Each gives a clear error (exit 1 or 3) or skips packets with a count;
# never a crash (lib.sh turns sanitizer reports into failures).
. "$(dirname "$0")/lib.sh"
pcaps="$TLSD_SHARED/pcaps"
src="$pcaps/zeek/tls-1.2-handshake-failure.pcap"
[ -f "$src" ] || { echo "SKIP: no shared captures"; exit 77; }
cd "$WORK" || exit 3

run analyze nosuch.pcap
expect_rc 3 "missing file"; expect_grep 'nosuch.pcap: cannot open the file' "$ERR" "missing file message"
printf 'this is not a capture file at all\n' >text.pcap
run analyze text.pcap
expect_rc 3 "wrong magic"; expect_grep 'not a pcap or pcapng capture' "$ERR" "wrong magic message"
: >empty.pcap
run analyze empty.pcap
expect_rc 3 "empty file"
head -c 4096 /dev/urandom >random.pcap
run analyze random.pcap
expect_rc 3 "random bytes"
# Random bytes behind a valid pcap header (and a second, good file still analysed).
{ head -c 24 "$src"; head -c 20000 /dev/urandom; } >random_body.pcap
run analyze --json random_body.pcap "$src"
expect_rc 1 "random body: one damaged file"
jq -e '.files[0].status == "READ" and .files[1].status == "OK" and (.connections | length) >= 1' <<<"$OUT" >/dev/null && ok || bad "random body: files and connections [${OUT:0:300}]"

# Truncated in the middle: the frames before the cut are analysed.
size=$(stat -c %s "$src")
head -c $((size - 100)) "$src" >cut.pcap
run analyze --json cut.pcap
expect_rc 1 "truncated file"
expect_grep 'damaged or truncated' "$ERR" "truncated message"
jq -e '(.connections | length) == 1' <<<"$OUT" >/dev/null && ok || bad "truncated: the connection before the cut"

# gzip: cut short, a failed CRC-32, damaged deflate data, two members. The frames before
# the damage are analysed and the damage is named as gzip's, not as an I/O error.
big="$pcaps/arkime/arkime_synthetic.pcap"
run analyze --json "$big"
ref_conns=$(jq '.connections | length' <<<"$OUT")
gzip -c "$big" >whole.pcap.gz
gz_size=$(stat -c %s whole.pcap.gz)
head -c $((gz_size / 2)) whole.pcap.gz >cut.pcap.gz
run analyze --json cut.pcap.gz
expect_rc 1 "gzip cut short"
expect_grep 'gzip file is truncated' "$ERR" "gzip cut short named"
jq -e --argjson r "$ref_conns" '(.connections | length) >= 1 and (.connections | length) < $r and .files[0].status == "READ"' <<<"$OUT" >/dev/null && ok || bad "gzip cut short: the connections before the cut [${ERR:0:200}]"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-6] ^= 0xFF; open(sys.argv[2], "wb").write(b)' whole.pcap.gz crc.pcap.gz
run analyze --json crc.pcap.gz
expect_rc 1 "gzip bad CRC"
expect_grep 'gzip data is corrupt' "$ERR" "gzip bad CRC named"
grep -q ioctl <<<"$ERR" && bad "gzip bad CRC told as an ioctl error" || ok
jq -e --argjson r "$ref_conns" '(.connections | length) == $r' <<<"$OUT" >/dev/null && ok || bad "gzip bad CRC: every frame before the check analysed"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[30:60] = b"\xff" * 30; open(sys.argv[2], "wb").write(b)' whole.pcap.gz deflate.pcap.gz
run analyze deflate.pcap.gz
[ "$RC" = 1 ] || [ "$RC" = 3 ] && ok || bad "gzip damaged deflate: rc $RC"
expect_grep 'gzip data is corrupt' "$ERR" "gzip damaged deflate named"
{ head -c 50000 "$big" | gzip; tail -c +50001 "$big" | gzip; } >members.pcap.gz
run analyze --json members.pcap.gz
expect_rc 0 "gzip of two members"
jq -e --argjson r "$ref_conns" '(.connections | length) == $r' <<<"$OUT" >/dev/null && ok || bad "gzip of two members: every connection"

# Synthetic frames: zero-length, bogus IP header lengths, a huge snaplen in the header.
python3 - <<'PY'
import struct
def pcap(name, frames, snaplen=65535, linktype=1):
    with open(name, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1000 + i, 0, len(fr), len(fr)))
            f.write(fr)
eth = b"\x00" * 12 + b"\x08\x00"
def ip(ihl, total, payload):
    return bytes([0x40 | ihl, 0]) + struct.pack(">H", total) + b"\x00" * 5 + b"\x06" + b"\x00\x00" + bytes([127, 0, 0, 1, 127, 0, 0, 2]) + payload
tcp = struct.pack(">HHIIBBHHH", 1234, 443, 1, 0, 0x50, 0x02, 1024, 0, 0)
pcap("zero.pcap", [b"", b"", eth])
pcap("badip.pcap", [eth + ip(2, 40, tcp), eth + ip(15, 40, tcp), eth + ip(5, 9000, tcp), eth + ip(5, 10, tcp)])
pcap("snaplen.pcap", [eth + ip(5, 40, tcp)], snaplen=0x7fffffff)
PY
run analyze --json zero.pcap
jq -e '.summary.totals.frames == 3 and .summary.totals.frames_skipped.TRUNCATED == 3' <<<"$OUT" >/dev/null && ok || bad "zero-length packets counted [${OUT:0:400}] rc=$RC ${ERR:0:200}"
run analyze --json badip.pcap
jq -e '.summary.totals.frames == 4 and .summary.totals.frames_skipped.BAD_IP >= 3' <<<"$OUT" >/dev/null && ok || bad "bogus IP header lengths counted [${OUT:0:600}]"
run analyze badip.pcap
expect_grep 'skipped: [0-9]+ frames not decoded' "$OUT" "text report counts skipped frames"
run analyze --json snaplen.pcap
[ "$RC" -le 3 ] && ok || bad "huge snaplen: rc $RC"
jq -e . <<<"$OUT" >/dev/null && ok || bad "huge snaplen: not JSON"
run analyze
expect_rc 2 "no file"
run analyze --bogus x.pcap
expect_rc 2 "bad option"
run analyze --server not-an-address x.pcap
expect_rc 2 "bad --server"
finish
