#!/usr/bin/env python3
"""The analyser's caps under load (issue 19): peak RSS of `analyze --json` on 1,000,000
half-open connections (a SYN alone; half a ClientHello never answered), and the time of
150,000 ClientHellos split in two segments past --max-buffer, the second segment first
(held in the TCP reassembly) against the same flows in order. Captures by
tests/integration/synth_pcap.py, written once into the work directory.

    bench/caps_bench.py [--rounds 3] [--work DIR] [--only FILE ...] TLSDIAG [TLSDIAG ...]

Each binary runs each capture `rounds` times, alternating; the table gives the median wall
time and the largest peak RSS (os.wait4's ru_maxrss) per binary and capture."""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import synth_pcap  # noqa: E402

CAPTURES = [  # file, writer, what it is
    ("syn1m.pcap", lambda p: synth_pcap.write_half_open(p, 1_000_000),
     "1,000,000 half-open (SYN only)"),
    ("hello1m.pcap", lambda p: synth_pcap.write_half_open(p, 1_000_000, hello=True),
     "1,000,000 half-open (half a ClientHello)"),
    ("ooo150k.pcap", lambda p: synth_pcap.write_split_hellos(p, 150_000, in_order=False),
     "150,000 split hellos, out of order"),
    ("inorder150k.pcap", lambda p: synth_pcap.write_split_hellos(p, 150_000, in_order=True),
     "150,000 split hellos, in order"),
]


def run(binary, pcap):
    """Wall seconds and peak RSS (MB) of one analyze --json run, output discarded."""
    t = time.monotonic()
    p = subprocess.Popen([binary, "analyze", "--json", pcap], stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{binary} analyze {pcap}: exit {os.waitstatus_to_exitcode(status)}")
    return time.monotonic() - t, ru.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", default="build-bench")
    ap.add_argument("--only", action="append", help="capture file names to run (default all)")
    a = ap.parse_args()
    captures = [c for c in CAPTURES if not a.only or c[0] in a.only]
    os.makedirs(a.work, exist_ok=True)
    for name, write, _ in captures:
        path = os.path.join(a.work, name)
        if not os.path.exists(path):
            write(path)
    results = {}
    for _ in range(a.rounds):
        for name, _, _ in captures:
            for b in a.binaries:
                results.setdefault((b, name), []).append(run(b, os.path.join(a.work, name)))
    print("| capture | binary | median wall (s) | runs (s) | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    for name, _, what in captures:
        for b in a.binaries:
            r = results[(b, name)]
            times = [t for t, _ in r]
            print(f"| {what} | {b} | {statistics.median(times):.2f} | "
                  f"{', '.join(f'{t:.2f}' for t in times)} | {max(m for _, m in r):.0f} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
