#!/usr/bin/env python3
"""Scan speed, side by side with sslscan and nmap ssl-enum-ciphers.

Usage: bench/scan_bench.py TLSDIAG [ROUNDS] [--write docs/benchmarks.md]
                           [--only 1,2,2b,2c,3] [--also OTHER_TLSDIAG] [--tlsdiag-only]

1. loopback, openssl s_server with its TLS 1.2+1.3 defaults: tlsdiag, sslscan
   and nmap in turn, ROUNDS times (default 5); medians, ratios, and the TCP
   connections each tool opens (strace, counted once, outside the timing);
2. through bench/delay_proxy.py adding 50 ms each way, in front of nginx with
   its TLS 1.2+1.3 defaults (nginx serves connections in parallel; s_server
   takes one at a time, which would bound every scanner by its accept loop):
   tlsdiag and sslscan in turn;
   2b. the same at 150 ms each way (tlsdiag alone: sslscan takes minutes there);
   2c. through the 50 ms proxy in front of openssl s_server with its defaults,
   which serves one connection at a time: tlsdiag, sslscan and nmap; its
   stdin is a pipe held open, as an admin's s_server on a terminal has (at
   EOF, s_server ends each connection once its handshake is done);
   the latency rows give the TCP connections each tool opened (counted by the
   proxy, once, outside the timing) and the wall time in round trips;
3. a fleet: one nginx listening on 500 loopback ports, scanned completely by
   one tlsdiag run: wall time, peak RSS, handshakes per second.
--only runs the scenarios listed; --also adds a row for another tlsdiag binary
(a build before a change, side by side in the same run); --tlsdiag-only leaves
out sslscan and nmap (a quick check; --write refuses both, and --only).
Only loopback addresses are used.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from loopback import free_port, make_certs, need_addr, nginx_server, spawn  # noqa: E402
TLSDIAG = os.path.abspath(sys.argv[1])
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 5


def option(name):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


WRITE = option("--write")
ONLY = option("--only").split(",") if option("--only") else ["1", "2", "2b", "2c", "3"]
ALSO = os.path.abspath(option("--also")) if option("--also") else None
OTHERS = "--tlsdiag-only" not in sys.argv
if WRITE and (len(ONLY) < 5 or not OTHERS or ALSO):
    raise SystemExit("--write needs every scenario, sslscan and nmap, and no --also")
WORK = tempfile.mkdtemp(prefix="tlsd-bench-")
ENV = dict(os.environ, OPENSSL_CONF=os.path.join(WORK, "openssl.cnf"))
procs = []


def wait_port(port):
    need_addr("127.0.0.1", port, 15)


def start(args, **kw):
    return spawn(args, ENV, procs, **kw)


def timed(args):
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - t, r


def count_connects(args, port):
    r = subprocess.run(["strace", "-f", "-e", "trace=connect", "-o", f"{WORK}/strace"] + args,
                       capture_output=True, text=True, env=ENV)
    with open(f"{WORK}/strace") as f:
        return sum(1 for line in f if f"sin_port=htons({port})" in line)


def certs():
    open(ENV["OPENSSL_CONF"], "w").write("# empty\n")
    make_certs(WORK, ENV)


def nginx(ports, cert, workers=2):
    listens = "\n".join(f"listen 127.0.0.1:{p} ssl;" for p in ports)
    body = f""" server {{ {listens} server_name localhost;
   ssl_certificate {WORK}/{cert}.pem; ssl_certificate_key {WORK}/{cert}.key;
   ssl_protocols TLSv1.2 TLSv1.3; }}"""
    start(nginx_server(WORK, 0, str(ports[0]), body, connections=16384, workers=workers,
                       main="worker_rlimit_nofile 65536;", log_level="crit"))
    for p in ports[:5] + ports[-5:]:
        wait_port(p)


def med(xs):
    return statistics.median(xs)


def scenario_loopback(out):
    port = free_port()
    start(["openssl", "s_server", "-accept", str(port), "-cert", f"{WORK}/rsa.pem", "-key",
           f"{WORK}/rsa.key", "-quiet", "-naccept", "1000000"])
    wait_port(port)
    target = f"localhost:{port}"
    cmds = tlsdiag_cmds(target)
    if OTHERS:
        cmds["sslscan"] = ["sslscan", "--no-colour", target]
        cmds["nmap"] = ["nmap", "-Pn", "-n", "-p", str(port), "--script", "ssl-enum-ciphers",
                        "127.0.0.1"]
    times = {k: [] for k in cmds}
    for _ in range(ROUNDS):
        for k, c in cmds.items():
            t, r = timed(c)
            times[k].append(t)
            if k == "tlsdiag":
                stats = json.loads(r.stdout)["targets"][0]["stats"]
    conns = {k: count_connects(c, port) for k, c in cmds.items()}
    m = {k: med(v) for k, v in times.items()}
    out.append("### 1. Loopback, `openssl s_server` with its TLS 1.2+1.3 defaults\n")
    out.append("| tool | median wall time (s) | runs (s) | TCP connections | vs tlsdiag |")
    out.append("|---|---|---|---|---|")
    for k in cmds:
        out.append(f"| {k} | {m[k]:.3f} | {', '.join(f'{x:.3f}' for x in times[k])} | {conns[k]} "
                   f"| {m[k] / m['tlsdiag']:.1f}x |")
    out.append(f"\ntlsdiag's own count: {stats['connections']} connections, "
               f"{stats['handshakes']} handshakes.\n")
    return m, conns


def delay_proxy(port, delay_ms):
    """Starts bench/delay_proxy.py in front of port; its port."""
    pf = os.path.join(WORK, f"proxyport-{port}-{delay_ms}")
    start([sys.executable, os.path.join(HERE, "delay_proxy.py"), "0", str(port), str(delay_ms),
           pf])
    while not os.path.exists(pf):
        time.sleep(0.05)
    pport = int(open(pf).read())
    wait_port(pport)
    return pport


def tlsdiag_cmds(target):
    cmds = {"tlsdiag": [TLSDIAG, "scan", "-q", "--json", target]}
    if ALSO:
        cmds["tlsdiag (--also)"] = [ALSO, "scan", "-q", "--json", target]
    return cmds


def latency_table(out, title, cmds, pport, delay_ms):
    """Runs cmds in turn ROUNDS times through the proxy on pport; one table."""
    times = {k: [] for k in cmds}
    for _ in range(ROUNDS):
        for k, c in cmds.items():
            t, r = timed(c)
            times[k].append(t)
    conns = {k: count_connects(c, pport) for k, c in cmds.items()}
    m = {k: med(v) for k, v in times.items()}
    rtt = 2 * delay_ms / 1000.0
    out.append(f"### {title}\n")
    out.append("| tool | median wall time (s) | runs (s) | in round trips | TCP connections "
               "| vs tlsdiag |")
    out.append("|---|---|---|---|---|---|")
    for k in cmds:
        out.append(f"| {k} | {m[k]:.2f} | {', '.join(f'{x:.2f}' for x in times[k])} "
                   f"| {m[k] / rtt:.1f} | {conns[k]} | {m[k] / m['tlsdiag']:.1f}x |")
    out.append("")
    return m, conns


def scenario_latency(out, delay_ms=50, label="2"):
    port = free_port()
    nginx([port], "rsa")
    pport = delay_proxy(port, delay_ms)
    target = f"localhost:{pport}"
    cmds = tlsdiag_cmds(target)
    if OTHERS and delay_ms <= 50:
        cmds["sslscan"] = ["sslscan", "--no-colour", target]
    return latency_table(out, f"{label}. Through `bench/delay_proxy.py` (+{delay_ms} ms each way), "
                         "nginx TLS 1.2+1.3 defaults", cmds, pport, delay_ms)


def scenario_latency_one_at_a_time(out, delay_ms=50):
    port = free_port()
    # stdin held open (the pipe's write end stays with this process until the end)
    procs.append(subprocess.Popen(
        ["openssl", "s_server", "-accept", str(port), "-cert", f"{WORK}/rsa.pem", "-key",
         f"{WORK}/rsa.key", "-quiet", "-naccept", "1000000"], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV))
    wait_port(port)
    pport = delay_proxy(port, delay_ms)
    target = f"localhost:{pport}"
    cmds = tlsdiag_cmds(target)
    if OTHERS:
        cmds["sslscan"] = ["sslscan", "--no-colour", target]
        cmds["nmap"] = ["nmap", "-Pn", "-n", "-p", str(pport), "--script", "ssl-enum-ciphers",
                        "127.0.0.1"]
    return latency_table(out, f"2c. Through `bench/delay_proxy.py` (+{delay_ms} ms each way), "
                         "`openssl s_server` with its defaults (one connection at a time)",
                         cmds, pport, delay_ms)


def scenario_fleet(out, n=500):
    ports = []
    while len(ports) < n:
        p = free_port()
        if p not in ports:
            ports.append(p)
    nginx(ports, "ec", workers=1)
    lst = os.path.join(WORK, "targets.txt")
    open(lst, "w").write("".join(f"localhost:{p}\n" for p in ports))
    # wait4 gives this one process's peak RSS (not the maximum over all children)
    t0 = time.perf_counter()
    with open(os.path.join(WORK, "fleet.jsonl"), "w") as outf:
        p = subprocess.Popen([TLSDIAG, "scan", "-q", "--jsonl", "-iL", lst], stdout=outf,
                             stderr=subprocess.DEVNULL, env=ENV)
        _, _, usage = os.wait4(p.pid, 0)
    t = time.perf_counter() - t0
    rss_mb = usage.ru_maxrss / 1024
    rows = [json.loads(line) for line in open(os.path.join(WORK, "fleet.jsonl"))]
    complete = sum(1 for d in rows if "error" not in d and
                   any(v["accepted"] for v in d["versions"]))
    hs = sum(d.get("stats", {}).get("handshakes", 0) for d in rows)
    conns = sum(d.get("stats", {}).get("connections", 0) for d in rows)
    out.append(f"### 3. Fleet: one nginx (1 worker, ECDSA P-256) on {n} loopback ports\n")
    out.append("| targets | scanned completely | wall time (s) | peak RSS (MB) | connections "
               "| handshakes | handshakes/s |")
    out.append("|---|---|---|---|---|---|---|")
    out.append(f"| {n} | {complete} | {t:.1f} | {rss_mb:.0f} | {conns} | {hs} | {hs / t:.0f} |\n")
    return t, rss_mb, complete


def sslscan_version():
    out = subprocess.run(["sslscan", "--version"], capture_output=True, text=True).stdout
    return re.sub("\x1b\\[[0-9;]*m", "", out).split()[0]


def main():
    certs()
    out = []
    try:
        if "1" in ONLY:
            scenario_loopback(out)
        if "2" in ONLY:
            scenario_latency(out)
        if "2b" in ONLY:
            scenario_latency(out, 150, "2b")
        if "2c" in ONLY:
            scenario_latency_one_at_a_time(out)
        if "3" in ONLY:
            scenario_fleet(out)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(WORK, ignore_errors=True)
    text = "\n".join(out)
    print(text)
    if WRITE:
        doc = open(WRITE).read() if os.path.exists(WRITE) else "# Benchmarks\n"
        start_mark, end_mark = "<!-- scan:begin -->", "<!-- scan:end -->"
        block = (f"{start_mark}\n## tlsdiag scan\n\nCommand: `{' '.join(['bench/scan_bench.py', 'build-release/tlsdiag', str(ROUNDS), '--write', WRITE])}` "
                 f"(run {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; "
                 f"sslscan {sslscan_version()}, "
                 f"{subprocess.run(['nmap', '--version'], capture_output=True, text=True).stdout.split(chr(10))[0].strip()})\n\n"
                 f"{text}\n{end_mark}")
        if start_mark in doc:
            doc = re.sub(re.escape(start_mark) + ".*?" + re.escape(end_mark), block, doc, flags=re.S)
        else:
            doc = doc.rstrip() + "\n\n" + block + "\n"
        open(WRITE, "w").write(doc)


if __name__ == "__main__":
    main()
