#!/usr/bin/env python3
"""tlsdiag scan: the TLS 1.3 signature schemes a server accepts, checked against an
independent oracle.

For each server configuration, `tlsdiag scan --json` reports signature_schemes_tls13.
The oracle is `openssl s_client -tls1_3 -sigalgs NAME`, one full handshake per TLS 1.3
scheme: the server must sign CertificateVerify with that scheme or fail. The two sets
must be equal; a scheme the local OpenSSL cannot offer must not be reported either (none
of these servers can use one). The expected sets written below, from the configurations,
are checked too, so that the oracle itself cannot drift. Prints one line per
disagreement and 'N passed, N failed'; exit 77 when a tool is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port, make_cert, report, server, wait_port  # noqa: E402

TLSDIAG = os.environ["TLSDIAG"]
WORK = tempfile.mkdtemp(prefix="tlsd-sig13-")
CNF = os.path.join(WORK, "openssl.cnf")
ENV = dict(os.environ, OPENSSL_CONF=CNF)
# TLS 1.3 SignatureSchemes (RFC 8446 4.2.3, RFC 8734 for brainpool), by OpenSSL name.
SCHEMES = ["ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512",
           "ed25519", "ed448", "rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512",
           "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
           "ecdsa_brainpoolP256r1tls13_sha256", "ecdsa_brainpoolP384r1tls13_sha384",
           "ecdsa_brainpoolP512r1tls13_sha512"]
RSAE = {"rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"}


def sh(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=ENV, **kw)


def make_certs():
    with open(CNF, "w") as f:
        f.write("# empty: no distribution defaults in the tests\n")
    keys = {"rsa": ["-newkey", "rsa:2048"],
            "pss": ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"],
            "p384": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "p256": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "ed25519": ["-newkey", "ed25519"]}
    for name, alg in keys.items():
        make_cert(WORK, name, alg, ENV)


def s_server(port, cert, *extra):
    return ["openssl", "s_server", "-accept", str(port), "-cert", f"{WORK}/{cert}.pem",
            "-key", f"{WORK}/{cert}.key", "-quiet", "-naccept", "100000", *extra]


def gnutls_serv(port, cert, priority):
    return ["gnutls-serv", "-p", str(port), "--x509certfile", f"{WORK}/{cert}.pem",
            "--x509keyfile", f"{WORK}/{cert}.key", "--priority", priority, "--http", "-q"]


# name, server command, the schemes the configuration allows
CONFIGS = [
    ("s_server-rsa", lambda p: s_server(p, "rsa"), RSAE),
    ("s_server-rsa-sha512-only", lambda p: s_server(p, "rsa", "-sigalgs", "rsa_pss_rsae_sha512"),
     {"rsa_pss_rsae_sha512"}),
    ("s_server-rsa-pss-key", lambda p: s_server(p, "pss"),
     {"rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512"}),
    ("s_server-ecdsa-p384", lambda p: s_server(p, "p384"), {"ecdsa_secp384r1_sha384"}),
    ("s_server-ed25519", lambda p: s_server(p, "ed25519"), {"ed25519"}),
    ("s_server-rsa-and-ecdsa-restricted", lambda p: s_server(
        p, "rsa", "-dcert", f"{WORK}/p256.pem", "-dkey", f"{WORK}/p256.key",
        "-sigalgs", "rsa_pss_rsae_sha384:ecdsa_secp256r1_sha256"),
     {"rsa_pss_rsae_sha384", "ecdsa_secp256r1_sha256"}),
    ("gnutls-serv-ecdsa-p256", lambda p: gnutls_serv(p, "p256", "NORMAL"),
     {"ecdsa_secp256r1_sha256"}),
    ("gnutls-serv-rsa", lambda p: gnutls_serv(p, "rsa", "NORMAL"), RSAE),
    # no key share tlsdiag sends fits: every probe meets an HRR first
    ("s_server-rsa-secp384r1-only", lambda p: s_server(p, "rsa", "-groups", "secp384r1"), RSAE),
]


def handshake(port, scheme):
    """A real TLS 1.3 handshake offering one signature scheme: True when it completes."""
    r = sh("openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
           "-tls1_3", "-sigalgs", scheme, "-brief", input="", timeout=20)
    return "CONNECTION ESTABLISHED" in r.stderr


def match_checks(name, port, scan_doc):
    """tlsdiag match with the saved scan as the server: the predictions for clients that
    offer one scheme equal real handshakes, and the server fix it proposes works for real."""
    fails, passes = [], 0
    scan_file = os.path.join(WORK, name + ".scan.json")
    with open(scan_file, "w") as f:
        f.write(scan_doc)
    for scheme in ("rsa_pss_rsae_sha256", "rsa_pss_rsae_sha512"):
        prof = os.path.join(WORK, f"{name}-{scheme}.profile")
        with open(prof, "w") as f:
            f.write(f"name = one-scheme\nside = client\nversions = TLSv1.3\n"
                    f"suites = TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384\n"
                    f"sigalgs = {scheme}\n")
        r = subprocess.run([TLSDIAG, "match", "--json", "--client", prof, "--server",
                            "scan:" + scan_file], capture_output=True, text=True, timeout=60)
        doc = json.loads(r.stdout)
        live = subprocess.run([TLSDIAG, "match", "--json", "--client", prof, "--server",
                               f"localhost:{port}"], capture_output=True, text=True, timeout=120)
        if json.loads(live.stdout)["outcome"] != doc["outcome"]:
            fails.append(f"{name}: match against localhost:{port} (scanned now) differs from "
                         f"match against the saved scan")
        else:
            passes += 1
        predicted, real = doc["outcome"]["ok"], handshake(port, scheme)
        if predicted != real:
            fails.append(f"{name}: match predicts ok={predicted} for a client with {scheme}, "
                         f"s_client: {real}")
            continue
        passes += 1
        if predicted:
            continue
        if doc["outcome"].get("failure") != "signature-scheme":
            fails.append(f"{name}: failure {doc['outcome'].get('failure')}, want signature-scheme")
        fixes = doc["server_fixes"]["fixes"]
        steps = [st["text"] for st in fixes[0]["steps"] if st["for"] == "OpenSSL"] if fixes else []
        m = re.search(r"-sigalgs (\S+)", steps[0]) if steps else None
        if not m:
            fails.append(f"{name}: no server fix with -sigalgs for a client with {scheme}")
            continue
        fixed_port = free_port()
        with server(s_server(fixed_port, "rsa", "-sigalgs", m.group(1)), ENV) as proc:
            ok = wait_port(fixed_port, proc) and handshake(fixed_port, scheme)
        if ok:
            passes += 1
        else:
            fails.append(f"{name}: the server fix -sigalgs {m.group(1)} does not let a client "
                         f"with {scheme} in")
    return passes, fails


def oracle(port):
    """The schemes a full handshake succeeds with; and those s_client cannot offer."""
    ok, untried = set(), set()
    for name in SCHEMES:
        r = sh("openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
               "-tls1_3", "-sigalgs", name, "-brief", input="", timeout=20)
        if "SSL_CONF_cmd(-sigalgs" in r.stderr:  # the local OpenSSL does not know it
            untried.add(name)
        elif "CONNECTION ESTABLISHED" in r.stderr:
            ok.add(name)
    return ok, untried


def check(name, cmd, allowed):
    port = free_port()
    fails, passes = [], 0
    with server(cmd(port), ENV) as proc:
        if not wait_port(port, proc):
            return 0, [f"{name}: server did not start: {' '.join(cmd(port))}"]
        r = subprocess.run([TLSDIAG, "scan", "--json", "-q", f"localhost:{port}"],
                           capture_output=True, text=True, timeout=120)
        doc = json.loads(r.stdout)["targets"][0]
        ours = set(doc.get("signature_schemes_tls13") or [])
        theirs, untried = oracle(port)
        if untried:
            print(f"  note {name}: s_client cannot offer {sorted(untried)}")
        if ours != theirs:
            fails.append(f"{name}: tlsdiag {sorted(ours)}, s_client {sorted(theirs)}")
        else:
            passes += 1
        if ours & untried:
            fails.append(f"{name}: tlsdiag reports {sorted(ours & untried)}, which no server here "
                         f"can use")
        if theirs != allowed:
            fails.append(f"{name}: s_client {sorted(theirs)}, configured {sorted(allowed)}")
        else:
            passes += 1
        # the text report shows the same list
        t = subprocess.run([TLSDIAG, "scan", "-q", f"localhost:{port}"], capture_output=True,
                           text=True, timeout=120, env=dict(os.environ, NO_COLOR="1"))
        if name == "s_server-rsa-sha512-only":
            p, f = match_checks(name, port, r.stdout)
            passes += p
            fails += f
        line = [l for l in t.stdout.splitlines() if "Signature schemes (TLS 1.3)" in l]
        shown = set(line[0].split(":", 1)[1].replace(" ", "").split(",")) if line else set()
        if shown != ours:
            fails.append(f"{name}: text report shows {sorted(shown)}, JSON {sorted(ours)}")
        else:
            passes += 1
    return passes, fails


def main():
    for tool in ("openssl", "gnutls-serv"):
        if not shutil.which(tool):
            print(f"skip: {tool} not installed")
            return 77
    make_certs()
    try:
        results = [(name, *check(name, cmd, allowed)) for name, cmd, allowed in CONFIGS]
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
