#!/usr/bin/env python3
"""Turn a `tlsdiag match --json` server fix into the real server's new configuration.

fix_args(fix, work, name) -> (want, args): want is the answer the fix predicts
("OK 0x0303 0xC02F G=0x001D": " HRR" before the group for a HelloRetryRequest; the
group "-" when the key exchange has none); args are the new
s_server arguments (the server's own, with the options the fix's OpenSSL line sets
replaced by the line's, plus -dcert/-dkey for a second certificate) or, for a GnuTLS server, [priority + the fix's additions, (second cert)].
None when the fix has no step this test can apply.

Command line: apply_fix.py MATCH.json WORK SERVER -> prints want | change, then args.
"""
import json
import os
import shlex
import sys

VERSIONS = {"SSLv3": 0x300, "TLSv1.0": 0x301, "TLSv1.1": 0x302, "TLSv1.2": 0x303, "TLSv1.3": 0x304}
SKIP = {"-cipher", "-ciphersuites", "-min_protocol", "-max_protocol", "-groups"}


def want_of(fix):
    o = fix["result"]
    return "OK 0x%04X %s%s G=%s" % (VERSIONS[o["version"]], o["suite_code"],
                                    " HRR" if o.get("hello_retry_request") else "",
                                    o.get("group_code", "-"))


def fix_args(fix, work, name):
    steps = {s["for"]: s["text"] for s in fix["steps"]}
    other = ("ec384" if "ecdsa P-384" in fix["change"] else "ec" if "ecdsa" in fix["change"]
             else "rsa")
    if os.path.exists(f"{work}/{name}.prio"):
        args = [open(f"{work}/{name}.prio").read().strip() + steps.get("GnuTLS priority (append)", "")]
        return want_of(fix), args + ([other] if "certificate" in steps else [])
    base = open(f"{work}/{name}.args").read().split("\n")[:-1]
    cert = ["-dcert", f"{work}/{other}.pem", "-dkey", f"{work}/{other}.key"] if "certificate" in steps else []
    if cert and "in place of" in steps["certificate"]:  # same key type: it replaces the -cert
        base = [f"{work}/{other}.pem" if a.endswith((".pem")) and base[i - 1] == "-cert" else
                f"{work}/{other}.key" if base[i - 1] == "-key" else a for i, a in enumerate(base)]
        cert = []
    if "OpenSSL" not in steps:
        return (want_of(fix), base + cert) if "certificate" in steps else (None, None)
    # The fix line names only what it changes: the server keeps its other options.
    extra = shlex.split(steps["OpenSSL"].replace("...", ""))[2:]
    args, i = [], 0
    while i < len(base):
        if base[i] in SKIP and base[i] in extra:
            i += 2
            continue
        args.append(base[i])
        i += 1
    return want_of(fix), args + extra + cert


if __name__ == "__main__":
    fixes = json.load(open(sys.argv[1])).get("server_fixes", {}).get("fixes", [])
    if fixes:
        want, args = fix_args(fixes[0], sys.argv[2], sys.argv[3])
        if want:
            print(want, "|", fixes[0]["change"])
            print("\n".join(args))
