#!/usr/bin/env python3
"""The results of `tlsdiag scan --json` do not depend on how the probes were scheduled.

Each server configuration on loopback is scanned three ways: directly with the default
limits, directly with one probe in flight at a time (--per-target 1: every round trip in
sequence), and through bench/delay_proxy.py (+20 ms each way: the answers of the probes
in flight arrive in another order, and the speculative probes are overtaken). The
documents must be equal but for the statistics (time, connections) and the names of the
target (the proxy's port). With TLSD_OLD set to another tlsdiag binary (a build before a
change), that binary's direct scan is compared too. Prints one line per difference and
'N passed, N failed'.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port, make_cert, nginx_server, report, server, wait_port  # noqa: E402

TLSDIAG = os.environ["TLSDIAG"]
OLD = os.environ.get("TLSD_OLD")
HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "..", "..", "bench", "delay_proxy.py")
DELAY_MS = 20
WORK = tempfile.mkdtemp(prefix="tlsd-equal-")
ENV = dict(os.environ, OPENSSL_CONF=os.path.join(WORK, "openssl.cnf"))
# what differs between two scans of one server by design
VOLATILE = ("stats", "target", "port", "address", "seconds")


def s_server(port, *extra, cert="rsa"):
    return ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", f"{WORK}/{cert}.pem",
            "-key", f"{WORK}/{cert}.key", "-quiet", "-naccept", "100000", *extra]


def gnutls(port, priority, cert="rsa"):
    return ["gnutls-serv", "-p", str(port), "--x509certfile", f"{WORK}/{cert}.pem",
            "--x509keyfile", f"{WORK}/{cert}.key", "--priority", priority, "--http", "-q"]


SITE = """server {{ listen 127.0.0.1:PORT ssl; server_name localhost;
  ssl_certificate WORK/rsa.pem; ssl_certificate_key WORK/rsa.key; {extra} }}"""

CONFIGS = [
    ("openssl-defaults", lambda p: s_server(p)),
    ("openssl-serverpref-cipher-limits", lambda p: s_server(
        p, "-serverpref", "-cipher", "ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384:"
        "ECDHE-RSA-CHACHA20-POLY1305:AES128-SHA:DHE-RSA-AES256-SHA256",
        "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")),
    ("openssl-tls12-only", lambda p: s_server(p, "-no_tls1_3")),
    ("openssl-ecdsa", lambda p: s_server(p, cert="ec")),
    ("openssl-rsa-and-ecdsa", lambda p: s_server(
        p, "-dcert", f"{WORK}/ec.pem", "-dkey", f"{WORK}/ec.key")),
    ("openssl-tls13-only-groups", lambda p: s_server(
        p, "-tls1_3", "-groups", "P-384:X25519:ffdhe2048:P-256")),
    ("gnutls-normal", lambda p: gnutls(p, "NORMAL")),
    ("gnutls-server-order", lambda p: gnutls(p, "NORMAL:%SERVER_PRECEDENCE", "ec")),
    ("nginx-defaults", lambda p: nginx_server(WORK, p, "defaults", SITE.format(
        extra="ssl_protocols TLSv1.2 TLSv1.3;"))),
]


def normal(doc):
    """The document without what differs between two scans of one server by design."""
    if isinstance(doc, dict):
        return {k: normal(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [normal(v) for v in doc]
    return doc


def scan(binary, port, *extra):
    r = subprocess.run([binary, "scan", "--json", "-q", *extra, f"localhost:{port}"],
                       capture_output=True, text=True, timeout=300, env=ENV)
    try:
        return normal(json.loads(r.stdout)["targets"][0])
    except (ValueError, KeyError, IndexError):
        return {"unreadable": r.stdout[:200] + r.stderr[:200]}


def differences(a, b, path=""):
    """Where two documents differ, as short lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += differences(a.get(k), b.get(k), f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {json.dumps(a)[:160]} vs {json.dumps(b)[:160]}"]


def delay_proxy(port):
    pf = os.path.join(WORK, f"proxy-{port}")
    proc = subprocess.Popen([sys.executable, PROXY, "0", str(port), str(DELAY_MS), pf],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    end = time.time() + 10
    while not os.path.exists(pf) and time.time() < end:
        time.sleep(0.05)
    return proc, int(open(pf).read())


def check(name, cmd):
    port = free_port()
    lines = []
    ok = 0
    with server(cmd(port), ENV) as proc:
        if not wait_port(port, proc):
            return 0, [f"{name}: server did not start: {' '.join(cmd(port))}"]
        base = scan(TLSDIAG, port)
        if not base.get("versions"):
            return 0, [f"{name}: no scan result: {json.dumps(base)[:200]}"]
        others = {"--per-target 1": scan(TLSDIAG, port, "--per-target", "1")}
        proxy, pport = delay_proxy(port)
        try:
            others[f"through a {DELAY_MS} ms proxy"] = scan(TLSDIAG, pport)
        finally:
            proxy.terminate()
            proxy.wait(5)
        if OLD:
            others["the TLSD_OLD binary"] = scan(OLD, port)
        for how, doc in others.items():
            d = differences(base, doc)
            lines += [f"{name}: default vs {how}: {x}" for x in d[:12]]
            ok += not d
    return ok, lines


def main():
    open(ENV["OPENSSL_CONF"], "w").write("# empty: no distribution defaults in the tests\n")
    make_cert(WORK, "rsa", ["-newkey", "rsa:2048"], ENV)
    make_cert(WORK, "ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], ENV)
    try:
        with ThreadPoolExecutor(max_workers=2) as ex:
            results = list(ex.map(lambda c: (c[0], *check(*c)), CONFIGS))
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
