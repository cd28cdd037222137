#!/usr/bin/env python3
"""Adds seeds from the shared captures to the codec fuzz corpora: the TCP payload
of every frame that carries a ClientHello (fuzz/corpus/client_hello) and of every
frame that carries a ServerHello or an alert (fuzz/corpus/record), as tshark finds
them. Deduplicated by content; frames over 4 KiB skipped.
Usage: fuzz/seed_from_pcaps.py [../shared/pcaps]
Then minimise: fuzz_<target> -merge=1 NEW_DIR fuzz/corpus/<target> (libFuzzer keeps the
inputs that add coverage) and replace the corpus with NEW_DIR."""
import csv
import hashlib
import os
import subprocess
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pcaps = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "..", "shared", "pcaps")
FILTERS = {"client_hello": "tls.handshake.type == 1",
           "record": "tls.handshake.type == 2 || tls.alert_message"}
added = {k: 0 for k in FILTERS}
with open(os.path.join(pcaps, "MANIFEST.tsv")) as f:
    rows = list(csv.DictReader(f, delimiter="\t"))
for row in rows:
    extra = row.get("tshark_extra_args", "-")
    for target, flt in FILTERS.items():
        args = ["tshark", "-n", "-r", os.path.join(pcaps, row["path"])]
        if extra and extra != "-":
            args += extra.split()
        args += ["-Y", flt, "-T", "fields", "-e", "tcp.payload"]
        out = subprocess.run(args, capture_output=True, text=True).stdout
        for line in out.replace(",", " ").split():
            data = bytes.fromhex(line.replace(":", ""))
            if not data or len(data) > 4096:
                continue
            name = "pcap_" + hashlib.sha1(data).hexdigest()[:16]
            path = os.path.join(top, "fuzz", "corpus", target, name)
            if not os.path.exists(path):
                with open(path, "wb") as o:
                    o.write(data)
                added[target] += 1
print(", ".join(f"{k}: {v} seeds added" for k, v in added.items()))
