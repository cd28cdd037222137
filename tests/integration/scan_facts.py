#!/usr/bin/env python3
"""tlsdiag scan: facts that depend on which probe shows them, each checked against a
real server on loopback and, in the same check, by hand with `openssl s_client` or
`gnutls-cli` (the oracle), so that neither the scan nor the expectation can drift.

Covers: encrypt-then-MAC decided from a CBC answer (TLS 1.0 included), the same report
for the same server twice, every TLS 1.2 ECDHE group of an ECDSA server (its
certificate's curve kept in the offer), TLS 1.2 signature schemes per certificate type,
ALPN / OCSP / suites of a TLS 1.3-only server, both DHE group sizes, and the
certificate of a chain that fails verification. Prints one line per failure and
'N passed, N failed'. Run one check: scan_facts.py NAME.
"""
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port, make_cert, nginx_server, report, server, wait_port  # noqa: E402

TLSDIAG = os.environ["TLSDIAG"]
WORK = tempfile.mkdtemp(prefix="tlsd-facts-")
CNF = os.path.join(WORK, "openssl.cnf")
ENV = dict(os.environ, OPENSSL_CONF=CNF)
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def sh(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=ENV, **kw)


def s_server(port, cert="rsa", *extra):
    return ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", f"{WORK}/{cert}.pem",
            "-key", f"{WORK}/{cert}.key", "-quiet", "-naccept", "100000", *extra]


def gnutls_serv(port, cert, priority, *extra):
    return ["gnutls-serv", "-p", str(port), "--x509certfile", f"{WORK}/{cert}.pem",
            "--x509keyfile", f"{WORK}/{cert}.key", "--priority", priority, "--http", "-q", *extra]


def s_client(port, *args):
    """openssl s_client's whole output (stdout and stderr) for one handshake."""
    name = [] if "-noservername" in args else ["-servername", "localhost"]
    r = sh("openssl", "s_client", "-connect", f"127.0.0.1:{port}", *name, *args, input="",
           timeout=20)
    return r.stdout + r.stderr


def scan(port, *extra, text=False, target=None):
    """tlsdiag scan of localhost:port (or target): the target's JSON object (or the text
    report)."""
    args = [TLSDIAG, "scan", "-q", "--cafile", f"{WORK}/ca.pem", *extra,
            *([] if text else ["--json"]), target or f"localhost:{port}"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=200)
    return r.stdout if text else json.loads(r.stdout)["targets"][0]


class Run:
    """One server for one check; collects failure lines and passes."""

    def __init__(self, name):
        self.name, self.ok, self.lines = name, 0, []

    def expect(self, cond, what):
        if cond:
            self.ok += 1
        else:
            self.lines.append(f"{self.name}: {what}")
        return cond


def with_server(name, cmd, body, stdin_open=False):
    run = Run(name)
    port = free_port()
    with server(cmd(port), ENV, stdin_open) as proc:
        if not wait_port(port, proc):
            run.lines.append(f"{name}: server did not start: {' '.join(cmd(port))}")
        else:
            body(run, port)
    return run


def etm_oracle(port, version, cipher):
    """s_client: does the server send encrypt_then_mac with this CBC suite?"""
    out = s_client(port, "-" + version, "-cipher", cipher + ":@SECLEVEL=0", "-tlsextdebug")
    if "Cipher is " + cipher not in out:
        return None
    return "encrypt-then-mac" in out


@check
def etm():
    runs = []
    # AEAD first in the server's order: the first answer never shows ETM.
    order = "ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:ECDHE-RSA-AES256-SHA"
    cases = [("etm-server-order", ["-serverpref", "-no_tls1_3", "-cipher", order], "tls1_2",
              "AES128-SHA", True),
             ("etm-off", ["-serverpref", "-no_tls1_3", "-no_etm", "-cipher", order], "tls1_2",
              "AES128-SHA", False),
             ("etm-tls10-only", ["-tls1", "-cipher", "ALL:@SECLEVEL=0"], "tls1", "AES128-SHA",
              True),
             ("etm-aead-only", ["-no_tls1_3", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], None,
              None, None)]
    for name, args, ver, cipher, want in cases:
        def body(run, port, ver=ver, cipher=cipher, want=want):
            if ver:
                oracle = etm_oracle(port, ver, cipher)
                run.expect(oracle is want, f"s_client with {cipher}: ETM {oracle}, the "
                           f"configuration says {want}")
            got = scan(port)["features"]["encrypt_then_mac"]
            run.expect(got is want, f"encrypt_then_mac {got}, want {want} "
                       f"({'no CBC suite: cannot tell' if want is None else 's_client agrees'})")
        runs.append(with_server(name, lambda p, a=args: s_server(p, "rsa", *a), body))
    return runs


class JitterProxy:
    """A loopback TCP proxy in front of a server that holds each connection's answer
    back by a random 0-40 ms, so probes finish in a different order on every run (the
    order the scan must not depend on); it counts the connections it accepted."""

    def __init__(self, target_port):
        self.target, self.connections, self.port = target_port, 0, None
        # asyncio holds tasks by weak reference only: a connection whose client half-closed
        # waits on the server side alone, and the collector could end it unanswered
        self.tasks = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        srv = self.loop.run_until_complete(asyncio.start_server(self._conn, "127.0.0.1", 0))
        self.port = srv.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _conn(self, cr, cw):
        me = asyncio.current_task()
        self.tasks.add(me)
        try:
            await self._relay(cr, cw)
        finally:
            self.tasks.discard(me)

    async def _relay(self, cr, cw):
        self.connections += 1
        delay = random.uniform(0, 0.04)
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            cw.close()
            return

        async def pipe(r, w, wait):
            try:
                while data := await r.read(65536):
                    await asyncio.sleep(wait)
                    w.write(data)
                    await w.drain()
                w.write_eof()
            except (OSError, RuntimeError):
                pass
        await asyncio.gather(pipe(cr, sw, 0), pipe(sr, cw, delay))
        for w in (sw, cw):
            w.close()

    def close(self):
        async def cancel_all():
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def strip_timing(doc):
    """The document without its statistics: the time, and the connections and handshakes,
    whose number depends on the timing once answers take 30 ms (connections opened ahead
    of need, lib/scan/scan_sched.c; some of them are not used, some are dropped by the
    server before use; the speculative rounds of a server order are as long as the answers
    in by then leave open). Each scan's connections are checked against the proxy's count."""
    doc.pop("stats", None)
    return json.dumps(doc, sort_keys=False)


@check
def determinism():
    runs = []
    cases = [("same-report-rsa-ecdsa", lambda p: s_server(
        p, "rsa", "-dcert", f"{WORK}/ec.pem", "-dkey", f"{WORK}/ec.key")),
             # every version's first probe races the others: the answer that the features
             # and fingerprints come from must not be whichever came first
             ("same-report-tls10-to-13", lambda p: s_server(
                 p, "rsa", "-min_protocol", "TLSv1", "-cipher", "ALL:@SECLEVEL=0")),
             ("same-report-serverpref", lambda p: s_server(
                 p, "ec", "-serverpref", "-cipher", "ALL:@SECLEVEL=0", "-dcert", f"{WORK}/rsa.pem",
                 "-dkey", f"{WORK}/rsa.key"))]
    for name, cmd in cases:
        def body(run, port):
            out = s_client(port, "-tls1_2")
            run.expect("Cipher is" in out, "s_client cannot connect")
            proxy = JitterProxy(port)
            docs = []
            for _ in range(3):
                before = proxy.connections
                doc = scan(proxy.port)
                opened = proxy.connections - before
                run.expect(doc["stats"]["connections"] == opened,
                           f"stats.connections {doc['stats']['connections']}, the proxy saw "
                           f"{opened}")
                docs.append(strip_timing(doc))
            proxy.close()
            for i in (1, 2):
                if not run.expect(docs[i] == docs[0], f"scan {i + 1} differs from scan 1"):
                    a, b = json.loads(docs[0]), json.loads(docs[i])
                    diff = [k for k in a if a[k] != b.get(k)]
                    run.lines[-1] += f" in {diff}: {[a[k] for k in diff]} vs {[b[k] for k in diff]}"[:600]
        runs.append(with_server(name, cmd, body))
    return runs


def temp_key(port, *args):
    """s_client's 'Server Temp Key' group for a TLS 1.2 handshake, or None."""
    m = re.search(r"Server Temp Key: (?:ECDH, )?([\w-]+)", s_client(port, "-tls1_2", *args))
    return m.group(1) if m else None


GROUP_NAMES = {"P-256": "secp256r1", "P-384": "secp384r1", "P-521": "secp521r1",
               "X448": "x448", "X25519": "x25519"}


def ecdsa_groups_body(run, port, target=None, via=()):
    """An ECDSA P-256 server: every other curve is refused alone and accepted beside
    P-256 (s_client), and the scan (of target when given) lists each of them."""
    want = []
    for g in ("X448", "P-521", "P-384", "X25519"):
        alone = temp_key(port, *via, "-groups", g)
        beside = temp_key(port, *via, "-groups", f"{g}:P-256")
        run.expect(beside in (g, GROUP_NAMES[g], "prime256v1"),
                   f"s_client -groups {g}:P-256 got {beside}")
        if beside in (g, GROUP_NAMES[g]):
            want.append(GROUP_NAMES[g])
        run.expect(alone is None, f"s_client -groups {g} alone got {alone}: the server does "
                   f"not need its curve, no test")
    doc = scan(port, target=target)
    got = doc.get("groups_tls12", [])
    for g in GROUP_NAMES.values():
        if g in want or g == "secp256r1":
            run.expect(g in got, f"groups_tls12 {got} lacks {g}")
        else:  # the server prefers P-256 whenever it is offered: no client gets g
            run.expect(g not in got, f"groups_tls12 {got} has {g}, which s_client never gets")
    run.expect(got[-1:] == ["secp256r1"], f"groups_tls12 {got}: the certificate's curve "
               f"(kept in every offer) is not last")


@check
def ecdsa_groups():
    runs = [with_server("ecdsa-p256-groups-s_server", lambda p: s_server(
        p, "ec", "-no_tls1_3", "-groups", "X25519:P-256:X448:P-521:P-384"), ecdsa_groups_body)]
    # The same over SMTP STARTTLS (Python's ssl module, client order, OpenSSL's default
    # groups), each curve checked with s_client -starttls smtp.
    for order in ("client-order", "server-order"):
        run = Run("ecdsa-p256-groups-smtp-" + order)
        portfile = f"{WORK}/smtp.{order}"
        here = os.path.dirname(os.path.abspath(__file__))
        with server(["python3", f"{here}/starttls_server.py", "smtp", f"{WORK}/ec.pem",
                     f"{WORK}/ec.key", portfile, order], ENV):
            for _ in range(100):
                if os.path.exists(portfile) and open(portfile).read().strip():
                    break
                time.sleep(0.1)
            smtp = int(open(portfile).read().strip())
            ecdsa_groups_body(run, smtp, f"smtp://localhost:{smtp}", ["-starttls", "smtp"])
        runs.append(run)
    return runs


# TLS 1.2 signature schemes per key type: (registry name, OpenSSL name).
SIG12 = {"ECDSA": [("ecdsa_sha1", "ECDSA+SHA1"), ("ecdsa_sha224", "ECDSA+SHA224"),
                   ("ecdsa_secp256r1_sha256", "ECDSA+SHA256"),
                   ("ecdsa_secp384r1_sha384", "ECDSA+SHA384"),
                   ("ecdsa_secp521r1_sha512", "ECDSA+SHA512")],
         "RSA": [("rsa_pkcs1_sha1", "RSA+SHA1"), ("rsa_sha224", "RSA+SHA224"),
                 ("rsa_pkcs1_sha256", "RSA+SHA256"), ("rsa_pkcs1_sha384", "RSA+SHA384"),
                 ("rsa_pkcs1_sha512", "RSA+SHA512"), ("rsa_pss_rsae_sha256", "RSA-PSS+SHA256"),
                 ("rsa_pss_rsae_sha384", "RSA-PSS+SHA384"),
                 ("rsa_pss_rsae_sha512", "RSA-PSS+SHA512")]}
SIG12_SUITE = {"ECDSA": "ECDHE-ECDSA-AES128-GCM-SHA256", "RSA": "ECDHE-RSA-AES128-GCM-SHA256"}


def sigschemes_body(run, port):
    """Each key type's schemes: s_client with a suite that selects that certificate and one
    scheme at a time, against the scan's list for that key type."""
    doc = scan(port)
    by_key = doc.get("signature_schemes_by_key", {})
    for key, schemes in SIG12.items():
        want = {name for name, ossl in schemes
                if f"Cipher is {SIG12_SUITE[key]}" in s_client(
                    port, "-tls1_2", "-cipher", SIG12_SUITE[key] + ":@SECLEVEL=0", "-sigalgs", ossl)}
        run.expect(want, f"s_client: no {key} scheme accepted, no test")
        got = set(by_key.get(key, [])) & {n for n, _ in schemes}
        run.expect(got == want, f"{key}: scan {sorted(got)}, s_client {sorted(want)}")
        run.expect(want <= set(doc.get("signature_schemes", [])),
                   f"signature_schemes {doc.get('signature_schemes')} lacks some of {sorted(want)}")


@check
def sigschemes12():
    return [with_server("sigschemes12-rsa-and-ecdsa-s_server", lambda p: s_server(
        p, "rsa", "-no_tls1_3", "-dcert", f"{WORK}/ec.pem", "-dkey", f"{WORK}/ec.key"),
        sigschemes_body),
            with_server("sigschemes12-ecdsa-and-rsa-serverpref", lambda p: s_server(
                p, "ec", "-no_tls1_3", "-serverpref", "-dcert", f"{WORK}/rsa.pem", "-dkey",
                f"{WORK}/rsa.key"), sigschemes_body)]


def ocsp_response(cert, key, out):
    """A good OCSP response for a self-signed certificate, signed by itself."""
    serial = sh("openssl", "x509", "-in", cert, "-noout", "-serial").stdout.strip().split("=")[1]
    with open(f"{WORK}/index.txt", "w") as f:
        f.write(f"V\t491231235959Z\t\t{serial}\tunknown\t/CN=localhost\n")
    sh("openssl", "ocsp", "-index", f"{WORK}/index.txt", "-rsigner", cert, "-rkey", key, "-CA",
       cert, "-issuer", cert, "-cert", cert, "-respout", out, "-ndays", "2")


T13 = ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"]


def tls13_only_body(run, port, alpn, stapled):
    out = s_client(port, "-alpn", "h2,http/1.1", "-status")
    s_alpn = re.search(r"ALPN protocol: (\S+)", out)
    s_alpn = s_alpn.group(1) if s_alpn else ""
    s_staple = "OCSP Response Status: successful" in out
    run.expect((s_alpn, s_staple) == (alpn, stapled),
               f"s_client: ALPN {s_alpn!r} stapled {s_staple}, configured {alpn!r} {stapled}")
    keys = {k: "Server public key is" in s_client(port, "-sigalgs", sig)
            for k, sig in (("RSA", "rsa_pss_rsae_sha256"), ("EC", "ecdsa_secp256r1_sha256"))}
    suites = [c for c in T13 if "Cipher is " + c in s_client(port, "-ciphersuites", c)]
    run.expect(len(suites) == 3, f"s_client: TLS 1.3 suites {suites}")
    doc = scan(port)
    f = doc["features"]
    run.expect(f["alpn"] == s_alpn, f"alpn {f['alpn']!r}, s_client {s_alpn!r}")
    run.expect(f["ocsp_stapling"] is s_staple, f"ocsp_stapling {f['ocsp_stapling']}, "
               f"s_client {s_staple}")
    got = {c["key"].split()[0]: c for c in doc["certificates"]}
    for k, present in keys.items():
        run.expect((k in got) == present, f"certificate {k}: scan {k in got}, s_client {present}")
        if k in got:
            names = [subprocess.run([TLSDIAG, "ciphers", "-o", "iana", x], capture_output=True,
                                    text=True).stdout.strip() for x in got[k]["suites"]]
            run.expect(sorted(names) == sorted(suites), f"{k} certificate serves {names}, "
                       f"s_client {suites}")
    text = scan(port, text=True)
    run.expect("serves 3 accepted suites" in text, "the text report does not say 'serves 3 "
               "accepted suites'")


@check
def tls13_only():
    ocsp_response(f"{WORK}/rsa.pem", f"{WORK}/rsa.key", f"{WORK}/rsa.ocsp")
    return [with_server("tls13-only-alpn-ocsp-rsa-ecdsa", lambda p: s_server(
        p, "rsa", "-tls1_3", "-alpn", "http/1.1", "-status_file", f"{WORK}/rsa.ocsp", "-dcert",
        f"{WORK}/ec.pem", "-dkey", f"{WORK}/ec.key"),
        lambda run, port: tls13_only_body(run, port, "http/1.1", True)),
            with_server("tls13-only-plain", lambda p: s_server(p, "ec", "-tls1_3"),
                        lambda run, port: tls13_only_body(run, port, "", False))]


def gnutls_dh(port, priority):
    """gnutls-cli's DHE group for a TLS 1.2 DHE-RSA handshake: 'FFDHE2048', 'CUSTOM1024'."""
    r = sh("gnutls-cli", "--insecure", "-p", str(port), "--priority", priority, "localhost",
           input="", timeout=20)
    m = re.search(r"\(DHE-([A-Z]+)(\d+)\)", r.stdout)
    return (m.group(1), int(m.group(2))) if m else None


FFDHE_OFF = ":".join(f"-GROUP-FFDHE{n}" for n in (2048, 3072, 4096, 6144, 8192))


def dhe_body(run, port):
    base = "NORMAL:-VERS-TLS1.3:-KX-ALL:+DHE-RSA"
    with_groups, without = gnutls_dh(port, base), gnutls_dh(port, base + ":" + FFDHE_OFF)
    run.expect(with_groups == ("FFDHE", 2048) and without == ("CUSTOM", 1024),
               f"gnutls-cli: {with_groups} with the RFC 7919 groups, {without} without")
    doc = scan(port)
    dhe = doc.get("dhe") or {}
    run.expect(dhe.get("bits_rfc7919_offered") == 2048, f"dhe {dhe}: want 2048 with RFC 7919")
    run.expect(dhe.get("bits_rfc7919_not_offered") == 1024, f"dhe {dhe}: want 1024 without")
    dh = [f["text"] for f in doc["findings"] if "DH group" in f["text"]]
    run.expect(len(dh) == 1 and "1024-bit" in dh[0], f"DH findings {dh}: want one naming 1024")


@check
def dhe_sizes():
    sh("openssl", "dhparam", "-out", f"{WORK}/dh1024.pem", "1024")
    return [with_server("dhe-gnutls-rfc7919-and-1024", lambda p: gnutls_serv(
        p, "rsa", "NORMAL:+VERS-TLS1.0:-VERS-TLS1.3:+DHE-RSA", "--dhparams",
        f"{WORK}/dh1024.pem"), dhe_body),
            with_server("dhe-s_server-1024-tls10-to-12", lambda p: s_server(
                p, "rsa", "-no_tls1_3", "-cipher", "kDHE:@SECLEVEL=0", "-dhparam",
                f"{WORK}/dh1024.pem"), dhe_openssl_body)]


def dhe_openssl_body(run, port):
    """OpenSSL answers every DHE client with its -dhparam group (no RFC 7919 in TLS 1.2):
    1024 bits both ways, at TLS 1.0 and 1.2, and one finding for it, not one per suite."""
    for v in ("-tls1", "-tls1_2"):
        out = s_client(port, v, "-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0")
        run.expect("Server Temp Key: DH, 1024 bits" in out, f"s_client {v}: no 1024-bit DH")
    doc = scan(port)
    dhe = doc.get("dhe") or {}
    run.expect(dhe == {"bits_rfc7919_offered": 1024, "bits_rfc7919_not_offered": 1024},
               f"dhe {dhe}: want 1024 both ways")
    dh = [f["text"] for f in doc["findings"] if "DH group" in f["text"]]
    run.expect(len(dh) == 1 and "1024-bit" in dh[0], f"DH findings {dh}: want one naming 1024")


def make_chain(name, int_days):
    """WORK/NAME-root.pem (a valid root), NAME.pem and NAME.key (leaf), NAME-int.pem:
    the intermediate valid over int_days (start, end) in days from now."""
    from datetime import datetime, timedelta, timezone
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    now = datetime.now(timezone.utc)

    def cert(cn, key, issuer_cn, issuer_key, start, end, ca, san=None):
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
             .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now + timedelta(days=start))
             .not_valid_after(now + timedelta(days=end))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        return b.sign(issuer_key, hashes.SHA256())

    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    root = cert(f"{name} Root", keys[0], f"{name} Root", keys[0], -3650, 3650, True)
    inter = cert(f"{name} Intermediate", keys[1], f"{name} Root", keys[0], *int_days, True)
    leaf = cert("localhost", keys[2], f"{name} Intermediate", keys[1], -1, 30, False, "localhost")
    pem = serialization.Encoding.PEM
    with open(f"{WORK}/{name}-root.pem", "wb") as f:
        f.write(root.public_bytes(pem))
    with open(f"{WORK}/{name}.pem", "wb") as f:
        f.write(leaf.public_bytes(pem))
    with open(f"{WORK}/{name}-int.pem", "wb") as f:
        f.write(inter.public_bytes(pem))
    with open(f"{WORK}/{name}.key", "wb") as f:
        f.write(keys[2].private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))


def chain_body(name, expired):
    def body(run, port):
        out = s_client(port, "-CAfile", f"{WORK}/{name}-root.pem", "-verify_return_error")
        s_expired = re.search(rf"depth=1 CN ?= ?{name} Intermediate\n.*certificate has expired",
                              out) is not None
        run.expect(s_expired is expired, f"s_client: intermediate expired {s_expired}, "
                   f"configured {expired}")
        doc = scan(port, "--cafile", f"{WORK}/{name}-root.pem")
        c = doc["certificates"][0]
        run.expect(c["trusted"] is not expired, f"trusted {c['trusted']}")
        text = scan(port, "--cafile", f"{WORK}/{name}-root.pem", text=True)
        run.expect(re.search(rf"\[2\] CN={name} Intermediate\n\s+issuer CN={name} Root\n"
                             r"\s+key EC 256 \(prime256v1\), not before \S+ \S+, not after "
                             rf"\S+ \S+{'  EXPIRED' if expired else ''}\n", text),
                   "the text report does not show the intermediate with its key and dates")
        if not expired:
            return
        fail = c.get("verify_failed_at", {})
        run.expect(fail == {"subject": f"CN={name} Intermediate", "depth": 1},
                   f"verify_failed_at {fail}: want the intermediate at depth 1")
        finds = [f["text"] for f in doc["findings"] if "does not verify" in f["text"]]
        run.expect(len(finds) == 1 and f"CN={name} Intermediate (chain position 2" in finds[0],
                   f"findings {finds}: the intermediate is not named")
    return body


@check
def chain():
    make_chain("Expired", (-800, -400))
    make_chain("Valid", (-10, 400))
    return [with_server(f"chain-{n.lower()}-intermediate", lambda p, n=n: s_server(
        p, n, "-no_tls1_3", "-cert_chain", f"{WORK}/{n}-int.pem"), chain_body(n, n == "Expired")) for n in ("Expired", "Valid")]


def tls10_only_body(run, port):
    no12 = "Cipher is (NONE)" in s_client(port, "-tls1_2") or "alert" in s_client(port, "-tls1_2")
    cbc10 = "Cipher is AES128-SHA" in s_client(port, "-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0")
    run.expect(no12 and cbc10, f"s_client: TLS 1.2 refused {no12}, TLS 1.0 CBC {cbc10}")
    doc = scan(port)
    finds = {f["text"]: f["class"] for f in doc["findings"]}
    run.expect(any(t.startswith("no TLS 1.2 and no TLS 1.3") and c == "insecure"
                   for t, c in finds.items()), f"no 'no TLS 1.2' finding in {list(finds)}")
    run.expect(any("BEAST" in t and "TLSv1.0" in t for t in finds), "no BEAST finding at TLS 1.0")
    run.expect(doc.get("groups_tls12_version") == "TLSv1.0",
               f"groups_tls12_version {doc.get('groups_tls12_version')}")
    text = scan(port, text=True)
    run.expect("Groups (TLSv1.0 ECDHE)" in text and "Groups (TLS 1.2" not in text,
               "the text heading of the curves does not say TLSv1.0")


def tls12_only_body(run, port):
    out = s_client(port, "-tls1_3")
    run.expect("Cipher is (NONE)" in out or "alert" in out, "s_client: TLS 1.3 accepted")
    finds = {f["text"]: f["class"] for f in scan(port)["findings"]}
    run.expect(finds.get("TLS 1.3 is not enabled") == "weak",
               f"'TLS 1.3 is not enabled' is {finds.get('TLS 1.3 is not enabled')}, want weak")
    run.expect(not any("BEAST" in t or "no TLS 1.2" in t for t in finds),
               f"TLS 1.2-only server: {list(finds)}")


@check
def version_findings():
    return [with_server("findings-tls10-only", lambda p: s_server(
        p, "rsa", "-tls1", "-cipher", "ALL:@SECLEVEL=0"), tls10_only_body),
            with_server("findings-tls12-only", lambda p: s_server(p, "rsa", "-tls1_2"),
                        tls12_only_body)]


def client_auth_body(requested, required, version, alert):
    def body(run, port):
        ver = {"TLSv1.3": "-tls1_3", "TLSv1.2": "-tls1_2"}[version]
        # TLS 1.3 refuses after the handshake: s_client waits for it (-ign_eof) when the
        # configuration says it comes
        out = s_client(port, ver, *(["-ign_eof"] if alert and version == "TLSv1.3" else []))
        s_req = "Acceptable client certificate CA names\nCN = Printer Client CA" in out
        s_alert = re.search(r"SSL alert number (\d+)", out)
        s_alert = int(s_alert.group(1)) if s_alert else None
        run.expect((s_req, s_alert) == (requested, alert),
                   f"s_client {ver}: CA list {s_req}, alert {s_alert}; configured {requested}, "
                   f"{alert}")
        c = scan(port).get("client_certificate")
        want = {"requested": requested, "required": required, "version": version,
                "refusal_alert": None, "ca_names": ["CN=Printer Client CA"] if requested else []}
        if alert:
            want["refusal_alert"] = {"code": alert, "name": {116: "certificate_required",
                                                             50: "decode_error"}[alert]}
        run.expect(c == want, f"client_certificate {c}, want {want}")
        if required:
            text = scan(port, text=True)
            run.expect(f"client certificate REQUIRED: {version} without one ends in alert" in text
                       and "acceptable CAs: CN=Printer Client CA" in text,
                       "the text report does not say the client certificate is required")
    return body


@check
def client_auth():
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-days", "30", "-keyout", f"{WORK}/clientca.key", "-out",
       f"{WORK}/clientca.pem", "-subj", "/CN=Printer Client CA")
    ca = f"{WORK}/clientca.pem"
    return [with_server("client-cert-required-tls13-s_server", lambda p: s_server(
        p, "rsa", "-Verify", "1", "-CAfile", ca), client_auth_body(True, True, "TLSv1.3", 116)),
            with_server("client-cert-requested-tls12-s_server", lambda p: s_server(
                p, "rsa", "-verify", "1", "-CAfile", ca, "-no_tls1_3"),
                client_auth_body(True, False, "TLSv1.2", None)),
            with_server("client-cert-required-tls12-gnutls", lambda p: gnutls_serv(
                p, "rsa", "NORMAL:-VERS-TLS1.3", "--require-client-cert", "--x509cafile", ca),
                client_auth_body(True, True, "TLSv1.2", 50)),  # GnuTLS 3.7 sends decode_error
            with_server("client-cert-none-s_server", lambda p: s_server(p, "rsa"),
                        client_auth_body(False, False, "TLSv1.3", None))]


def gnutls_cli(port, priority, *args):
    r = sh("gnutls-cli", "--insecure", "-p", str(port), "--priority", priority, *args,
           "localhost", input="", timeout=30)
    return r.stdout + r.stderr


TLS12 = "NORMAL:-VERS-TLS1.3"
TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3"


def sessions_body(run, port, scan_port=None):
    """Resumption, renegotiation and heartbeat, each against gnutls-cli (the scan through
    scan_port when given)."""
    resumed = "This is a resumed session"
    oracle = {
        "resumption_session_id": resumed in gnutls_cli(port, TLS12, "--resume", "--noticket"),
        # resumed, and the server sent the SessionTicket extension (not resumed by ID)
        "resumption_ticket_tls12": resumed in gnutls_cli(port, TLS12, "--resume") and
        "Parsing extension 'Session Ticket/35'" in gnutls_cli(port, TLS12, "-d", "4"),
        "resumption_ticket_tls13": resumed in gnutls_cli(port, TLS13, "--resume"),
        "client_renegotiation": "ReHandshake was completed" in gnutls_cli(
            port, TLS12, "--rehandshake"),
        "heartbeat": "Parsing extension 'Heartbeat/15'" in gnutls_cli(port, TLS12, "-d", "4",
                                                                     "-b")}
    f = scan(scan_port or port)["features"]
    for key, want in oracle.items():
        run.expect(f.get(key) is want, f"{key} {f.get(key)}, gnutls-cli says {want}")


PROXY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench",
                     "delay_proxy.py")


def sessions_through_latency_body(run, port):
    """sessions_body with the scan through bench/delay_proxy.py (+50 ms each way): the scan
    then sees s_server serving one connection at a time and asks the renegotiation on the
    connection that resumes the session by ID, not on one of its own (lib/scan/scan.c)."""
    pf = os.path.join(WORK, f"proxy-{port}")
    proxy = subprocess.Popen([sys.executable, PROXY, "0", str(port), "50", pf],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        end = time.time() + 10
        while not os.path.exists(pf) and time.time() < end:
            time.sleep(0.05)
        if run.expect(os.path.exists(pf), "the delay proxy did not start"):
            sessions_body(run, port, int(open(pf).read()))
    finally:
        proxy.terminate()
        proxy.wait(5)


@check
def sessions():
    return [with_server("sessions-s_server-defaults", lambda p: s_server(p, "rsa"),
                        sessions_body),
            # stdin open, as on a terminal: its connections end as a client ends them, so a
            # session survives for resumption by ID (a scan that renegotiated on the
            # connection it resumed from lost it and said "no")
            with_server("sessions-s_server-stdin-open", lambda p: s_server(p, "rsa"),
                        sessions_body, stdin_open=True),
            with_server("sessions-s_server-no-ticket-client-reneg", lambda p: s_server(
                p, "rsa", "-no_ticket", "-client_renegotiation"), sessions_body),
            # one connection at a time, seen so through latency: renegotiation accepted and
            # refused, asked on the resumption's connection
            with_server("sessions-s_server-client-reneg-50ms", lambda p: s_server(
                p, "rsa", "-client_renegotiation"), sessions_through_latency_body,
                stdin_open=True),
            with_server("sessions-s_server-50ms", lambda p: s_server(p, "rsa"),
                        sessions_through_latency_body, stdin_open=True),
            with_server("sessions-gnutls-heartbeat-no-ticket", lambda p: gnutls_serv(
                p, "rsa", "NORMAL", "-b", "--noticket"), sessions_body)]


def nginx(port, name, body):
    return nginx_server(WORK, port, name, body)


SNI_SITES = """ssl_protocols PROTOCOLS;
server {{ listen 127.0.0.1:PORT ssl default_server; server_name _;
  ssl_certificate WORK/default.pem; ssl_certificate_key WORK/default.key; }}
server {{ listen 127.0.0.1:PORT ssl; server_name localhost;
  ssl_certificate WORK/ec.pem; ssl_certificate_key WORK/ec.key; }}"""


def sni_body(differs):
    def body(run, port):
        def subject(*args):
            m = re.search(r"^subject=(.*)$", s_client(port, *args), re.M)
            return m.group(1).replace(" ", "") if m else None
        without, with_sni = subject("-noservername"), subject()
        run.expect((without != with_sni) is differs and with_sni == "CN=localhost",
                   f"s_client: without SNI {without}, with SNI {with_sni}")
        args = ["--sni", "localhost"]
        f = scan(port, *args, target=f"127.0.0.1:{port}")["features"]
        run.expect(f.get("sni_selects_certificate") is differs,
                   f"sni_selects_certificate {f.get('sni_selects_certificate')}, want {differs}")
        if differs:
            run.expect(f.get("no_sni_certificate") == "CN=default (RSA 2048)",
                       f"no_sni_certificate {f.get('no_sni_certificate')!r}")
            text = scan(port, *args, text=True, target=f"127.0.0.1:{port}")
            run.expect("SNI required to get this certificate (without SNI: CN=default (RSA "
                       "2048))" in text, "the text report does not say SNI is required")
    return body


@check
def sni_certificate():
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-keyout",
       f"{WORK}/default.key", "-out", f"{WORK}/default.pem", "-subj", "/CN=default")
    return [with_server(f"sni-selects-certificate-{v}", lambda p, v=v: nginx(
        p, v, SNI_SITES.format().replace("PROTOCOLS", v.replace("-", " "))), sni_body(True))
            for v in ("TLSv1.2", "TLSv1.2-TLSv1.3")] + [
        with_server("sni-one-certificate", lambda p: s_server(p, "ec"), sni_body(False))]


def chacha_body(prioritized):
    def body(run, port):
        for ver, offer, want in (
                ("-tls1_2", ["-cipher", "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384"],
                 "ECDHE-RSA-CHACHA20-POLY1305" if prioritized else "ECDHE-RSA-AES256-GCM-SHA384"),
                ("-tls1_3", ["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"],
                 "TLS_CHACHA20_POLY1305_SHA256" if prioritized else "TLS_AES_256_GCM_SHA384")):
            out = s_client(port, ver, *offer)
            run.expect("Cipher is " + want in out, f"s_client {ver} ChaCha20 first: not {want}")
        doc = scan(port)
        for v in doc["versions"]:
            if v["version"] in ("TLSv1.2", "TLSv1.3"):
                run.expect(v["server_order"] is True and v.get("chacha20_priority") is prioritized,
                           f"{v['version']}: server_order {v['server_order']}, chacha20_priority "
                           f"{v.get('chacha20_priority')}, want {prioritized}")
        # The saved scan in match: TLS 1.3 clients with ChaCha20 first and second, each
        # predicted as s_client really ends.
        with open(f"{WORK}/chacha.json", "w") as f:
            json.dump({"targets": [doc]}, f)
        for order in (["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"],
                      ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
                       "TLS_AES_256_GCM_SHA384"]):
            out = s_client(port, "-tls1_3", "-ciphersuites", ":".join(order))
            real = re.search(r"Cipher is (\S+)", out)
            with open(f"{WORK}/c13.profile", "w") as f:
                f.write(f"name = c13\nside = client\nversions = TLSv1.3\n"
                        f"suites = {', '.join(order)}\ngroups = x25519\n")
            r = subprocess.run([TLSDIAG, "match", "--fixes", "0", "--client", f"{WORK}/c13.profile",
                                "--server", f"scan:{WORK}/chacha.json"], capture_output=True,
                               text=True)
            run.expect(real and f"TLSv1.3, {real.group(1)} " in r.stdout,
                       f"match with {order[0]} first: {r.stdout.splitlines()[2:3]}, s_client got "
                       f"{real and real.group(1)}")
    return body


@check
def chacha_priority():
    # Two suites before ChaCha20: with one, ChaCha20 priority and client order answer every
    # hello alike.
    args = ["-serverpref", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
            "ECDHE-RSA-CHACHA20-POLY1305", "-ciphersuites",
            "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"]
    return [with_server("chacha-prioritized", lambda p: s_server(
        p, "rsa", *args, "-prioritize_chacha"), chacha_body(True)),
            with_server("chacha-plain-server-order", lambda p: s_server(p, "rsa", *args),
                        chacha_body(False))]


def group_order_body(order, server_order):
    """The scan's group lists against s_client: the server's pick from every pair, and a
    client that lacks the server's first group, predicted by match from the saved scan."""
    names = [GROUP_NAMES[g] for g in order]

    def body(run, port):
        def pick(ver, groups):
            out = s_client(port, ver, "-groups", ":".join(groups))
            m = re.search(r"(?:Server Temp Key|Negotiated TLS1.3 group): (?:ECDH, )?([\w-]+)", out)
            n = m.group(1) if m else None
            return {"prime256v1": "secp256r1"}.get(n, n and GROUP_NAMES.get(n, n.lower()))
        doc = scan(port)
        # TLS 1.2 only: a TLS 1.3 s_client sends a key share, which OpenSSL takes whatever
        # its order (the scan's TLS 1.3 order is the one its HelloRetryRequest follows)
        for ver, key in (("-tls1_2", "groups_tls12"),):
            # s_client: the server's choice from the two first groups offered both ways
            a, b = order[0], order[1]
            real = (pick(ver, [a, b]), pick(ver, [b, a]))
            run.expect(real == ((names[0], names[0]) if server_order else (names[0], names[1])),
                       f"s_client {ver}: {real}")
            run.expect(doc.get(key + "_server_order") is server_order,
                       f"{key} server order {doc.get(key + '_server_order')}")
            if server_order:
                run.expect(doc[key] == names, f"{key} {doc[key]}, configured order {names}")
        # match from the saved scan, a TLS 1.2 client without the server's first group,
        # its other two in the reverse of the server's order
        with open(f"{WORK}/groups.json", "w") as f:
            json.dump({"targets": [doc]}, f)
        offer = [order[2], order[1]]
        real = pick("-tls1_2", offer)
        with open(f"{WORK}/g13.profile", "w") as f:
            f.write("name = g12\nside = client\nversions = TLSv1.2\nsuites = "
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\ngroups = "
                    + ", ".join(GROUP_NAMES[g] for g in offer) + "\n")
        r = subprocess.run([TLSDIAG, "match", "--fixes", "0", "--client", f"{WORK}/g13.profile",
                            "--server", f"scan:{WORK}/groups.json"], capture_output=True, text=True)
        run.expect(f"group {real}" in r.stdout, f"match: {r.stdout.splitlines()[2:3]}, s_client "
                   f"got {real}")
    return body


@check
def group_order():
    order = ["P-384", "P-256", "X25519"]
    return [with_server("groups-server-order", lambda p: s_server(
        p, "rsa", "-serverpref", "-groups", ":".join(order)), group_order_body(order, True)),
            with_server("groups-client-order", lambda p: s_server(
                p, "rsa", "-groups", ":".join(order)), group_order_body(order, False))]


def make_certs():
    with open(CNF, "w") as f:
        f.write("# empty: no distribution defaults in the tests\n")
    make_cert(WORK, "rsa", ["-newkey", "rsa:2048"], ENV)
    make_cert(WORK, "ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], ENV)
    shutil.copy(f"{WORK}/rsa.pem", f"{WORK}/ca.pem")
    with open(f"{WORK}/ca.pem", "a") as f, open(f"{WORK}/ec.pem") as e:
        f.write(e.read())


def main():
    make_certs()
    only = sys.argv[1:]
    results = []
    try:
        for fn in CHECKS:
            if only and fn.__name__ not in only:
                continue
            for run in fn():
                results.append((run.name, run.ok, run.lines))
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
