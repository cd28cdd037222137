#!/usr/bin/env python3
"""tlsdiag scan against real servers, with sslscan and nmap ssl-enum-ciphers
as independent oracles.

Starts each server configuration on loopback, scans it with tlsdiag (JSON),
sslscan (XML) and nmap ssl-enum-ciphers (XML), and compares the accepted
suites per version. Where tlsdiag and an oracle disagree, a targeted
handshake with `openssl s_client` (one suite, one version) settles it when
the local OpenSSL can name the suite; tlsdiag must be right every time.
Configured server orders must come back exactly. Prints one line per
disagreement and 'N passed, N failed'.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port, make_cert, report, server, wait_port  # noqa: E402
from loopback import nginx_server as loopback_nginx  # noqa: E402

TLSDIAG = os.environ["TLSDIAG"]
VERSIONS = {"SSLv2": "ssl2", "SSLv3": "ssl3", "TLSv1.0": "tls1", "TLSv1.1": "tls1_1",
            "TLSv1.2": "tls1_2", "TLSv1.3": "tls1_3"}
WORK = tempfile.mkdtemp(prefix="tlsd-oracles-")
EMPTY_CNF = os.path.join(WORK, "openssl.cnf")
ENV = dict(os.environ, OPENSSL_CONF=EMPTY_CNF)


def sh(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=ENV, **kw)


def certs():
    with open(EMPTY_CNF, "w") as f:
        f.write("# empty: no distribution defaults in the tests\n")
    make_cert(WORK, "rsa", ["-newkey", "rsa:2048"], ENV)
    make_cert(WORK, "ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], ENV)
    sh("openssl", "dhparam", "-out", f"{WORK}/dh.pem", "2048")


def openssl_server(port, *extra):
    return ["openssl", "s_server", "-accept", str(port), "-cert", f"{WORK}/rsa.pem",
            "-key", f"{WORK}/rsa.key", "-quiet", "-naccept", "100000", *extra]


def gnutls_server(port, priority, cert="rsa"):
    return ["gnutls-serv", "-p", str(port), "--x509certfile", f"{WORK}/{cert}.pem",
            "--x509keyfile", f"{WORK}/{cert}.key", "--priority", priority, "--http", "-q"]


def nginx_server(port, name, body):
    return loopback_nginx(WORK, port, name, body)


NGINX_SITE = """server {{ listen 127.0.0.1:PORT ssl; server_name localhost;
  ssl_certificate WORK/rsa.pem; ssl_certificate_key WORK/rsa.key;
  ssl_protocols TLSv1.2 TLSv1.3; {extra} }}"""

# name, command builder, expected server order of TLS 1.2 suites (openssl names) or None
CONFIGS = [
    ("openssl-defaults", lambda p: openssl_server(p), None),
    ("openssl-tls10-only", lambda p: openssl_server(p, "-tls1", "-cipher", "ALL:@SECLEVEL=0"), None),
    ("openssl-serverpref", lambda p: openssl_server(
        p, "-serverpref", "-no_tls1_3",
        "-cipher", "ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:AES128-SHA"),
     ["ECDHE-RSA-AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305", "AES128-SHA"]),
    ("openssl-rsa-and-ecdsa", lambda p: openssl_server(
        p, "-dcert", f"{WORK}/ec.pem", "-dkey", f"{WORK}/ec.key"), None),
    ("openssl-tls13-only", lambda p: openssl_server(p, "-tls1_3"), None),
    ("openssl-dhe-only", lambda p: openssl_server(
        p, "-no_tls1_3", "-cipher", "kDHE:@SECLEVEL=0", "-dhparam", f"{WORK}/dh.pem"), None),
    ("gnutls-normal", lambda p: gnutls_server(p, "NORMAL"), None),
    ("gnutls-legacy-3des-camellia", lambda p: gnutls_server(
        p, "NORMAL:-VERS-TLS1.3:+VERS-TLS1.0:+3DES-CBC:+CAMELLIA-128-CBC:+CAMELLIA-256-CBC:+RSA"),
     None),
    ("gnutls-secure256-serverorder", lambda p: gnutls_server(
        p, "SECURE256:-VERS-TLS1.3:%SERVER_PRECEDENCE", "ec"), None),
    ("nginx-prefer-server", lambda p: nginx_server(p, "pref", NGINX_SITE.format(
        extra="ssl_prefer_server_ciphers on; ssl_ciphers "
              "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256;")),
     ["ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES128-GCM-SHA256"]),
    ("nginx-client-order", lambda p: nginx_server(p, "nopref", NGINX_SITE.format(
        extra="ssl_prefer_server_ciphers off; ssl_ciphers HIGH:!aNULL;")), None),
    ("nginx-sni-required", lambda p: nginx_server(p, "sni", """
server { listen 127.0.0.1:PORT ssl default_server; ssl_reject_handshake on; }
""" + NGINX_SITE.format(extra="")), None),
]


def registry_codes(names):
    """Names in any spelling -> codes, through tlsdiag's registry."""
    if not names:
        return {}
    r = subprocess.run([TLSDIAG, "ciphers", "--json"] + names, capture_output=True, text=True)
    doc = json.loads(r.stdout)
    return {s["value"] for s in doc["suites"]}


def run_tlsdiag(port):
    r = subprocess.run([TLSDIAG, "scan", "--json", "-q", f"localhost:{port}"],
                       capture_output=True, text=True, timeout=120)
    doc = json.loads(r.stdout)["targets"][0]
    out = {}
    for v in doc.get("versions", []):
        if v["accepted"]:
            out[v["version"]] = [int(s["code"], 16) for s in v["suites"]]
    return doc, out


def run_sslscan(port):
    r = subprocess.run(["sslscan", "--no-colour", "--xml=-", f"localhost:{port}"],
                       capture_output=True, text=True, timeout=300)
    root = ET.fromstring(r.stdout[r.stdout.index("<?xml"):])
    out = {}
    for c in root.iter("cipher"):
        if c.get("status") in ("accepted", "preferred"):
            out.setdefault(c.get("sslversion"), set()).add(int(c.get("id"), 16))
    return out


def run_nmap(port):
    r = subprocess.run(["nmap", "-Pn", "-n", "-p", str(port), "--script", "ssl-enum-ciphers",
                        "--script-args", "tls.servername=localhost", "-oX", "-", "127.0.0.1"],
                       capture_output=True, text=True, timeout=300)
    root = ET.fromstring(r.stdout)
    out = {}
    for script in root.iter("script"):
        if script.get("id") != "ssl-enum-ciphers":
            continue
        for vt in script.findall("table"):
            names = []
            for ct in vt.findall("table[@key='ciphers']/table"):
                for e in ct.findall("elem[@key='name']"):
                    names.append(e.text.replace("TLS_AKE_WITH_", "TLS_"))
            ver = vt.get("key")
            out[ver] = registry_codes(names)
    return out


def settle(port, version, code):
    """A targeted handshake: does the server accept this one suite at this version?
    None when the local OpenSSL cannot try it."""
    r = subprocess.run([TLSDIAG, "ciphers", "--json", "0x%04X" % code], capture_output=True, text=True)
    s = json.loads(r.stdout)["suites"][0]
    if not s.get("local_openssl") or version not in VERSIONS or version == "SSLv2":
        return None
    opt = "-ciphersuites" if version == "TLSv1.3" else "-cipher"
    name = s["openssl"] + ("" if version == "TLSv1.3" else ":@SECLEVEL=0")
    args = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-" + VERSIONS[version], opt, name]
    if version == "TLSv1.3":
        args += ["-cipher", "ALL"]
    r = subprocess.run(args, input="", capture_output=True, text=True, env=ENV, timeout=20)
    return ("Cipher is " + s["openssl"]) in r.stdout or (", Cipher is " + s["iana"]) in r.stdout


def check(name, cmd, order):
    port = free_port()
    lines = []
    ok = 0
    with server(cmd(port), ENV) as proc:
        if not wait_port(port, proc):
            return 0, [f"{name}: server did not start: {' '.join(cmd(port))}"]
        doc, ours = run_tlsdiag(port)
        oracles = {"sslscan": run_sslscan(port), "nmap": run_nmap(port)}
        if not ours:
            lines.append(f"{name}: tlsdiag found no suite ({doc.get('error', '')})")
        for oname, theirs in oracles.items():
            for v in sorted(set(ours) | set(theirs)):
                before = len(lines)
                a, b = set(ours.get(v, [])), set(theirs.get(v, set()))
                for code in sorted(a ^ b):
                    verdict = settle(port, v, code)
                    mine = code in a
                    if verdict is None:
                        # the local OpenSSL cannot try it: the other oracle decides
                        other = [o for o in oracles if o != oname][0]
                        verdict = code in oracles[other].get(v, set())
                        how = f"{other} agrees" if verdict == mine else f"{other} disagrees"
                    else:
                        how = "openssl s_client " + ("connects" if verdict else "fails")
                    if verdict != mine:
                        lines.append(f"{name}: {v} 0x{code:04X}: tlsdiag {'has' if mine else 'lacks'} it, "
                                     f"{oname} {'lacks' if mine else 'has'} it; {how}")
                    else:
                        print(f"  note {name}: {v} 0x{code:04X}: {oname} {'misses' if mine else 'wrongly reports'} it; {how}")
                ok += len(lines) == before  # agreed on this version (after settling)
        if order:
            want = [int(c, 16) for c in order_codes(order)]
            got = ours.get("TLSv1.2", [])
            v12 = [v for v in doc["versions"] if v["version"] == "TLSv1.2"][0]
            if got != want or v12["server_order"] is not True:
                lines.append(f"{name}: server order {['0x%04X' % c for c in got]} "
                             f"(server_order={v12['server_order']}), configured {order}")
            else:
                ok += 1
        if name == "gnutls-legacy-3des-camellia":
            # 3DES: the local OpenSSL cannot negotiate it, tlsdiag still finds it
            r = subprocess.run([TLSDIAG, "ciphers", "--json", "0x000A"], capture_output=True,
                               text=True)
            local = json.loads(r.stdout)["suites"][0]["local_openssl"]
            if local or 0x000A not in ours.get("TLSv1.2", []):
                lines.append(f"{name}: 3DES (0x000A) not found, or the local OpenSSL knows it "
                             f"(local_openssl={local})")
            else:
                ok += 1
        if name == "nginx-sni-required":
            f = doc.get("features", {})
            if f.get("needs_sni") is not True:
                lines.append(f"{name}: needs_sni is {f.get('needs_sni')}, want true")
            else:
                ok += 1
        if name == "openssl-rsa-and-ecdsa":
            keys = sorted(c["key"].split()[0] for c in doc.get("certificates", []))
            if keys != ["EC", "RSA"]:
                lines.append(f"{name}: certificates {keys}, want EC and RSA")
            else:
                ok += 1
    return ok, lines


def order_codes(names):
    r = subprocess.run([TLSDIAG, "ciphers", "-o", "hex"] + names, capture_output=True, text=True)
    return r.stdout.split()


def main():
    certs()
    try:
        with ThreadPoolExecutor(max_workers=3) as ex:
            results = list(ex.map(lambda c: (c[0], *check(*c)), CONFIGS))
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
