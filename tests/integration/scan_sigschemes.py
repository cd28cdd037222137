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
