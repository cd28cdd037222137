#!/usr/bin/env python3
"""A fleet (issue 20): tlsdiag scan of 10,000 loopback targets, with nmap side by side.

Usage: bench/fleet_bench.py TLSDIAG [--targets N] [--target-timeout T] [--skip-nmap]
                            [--skip-checks] [--only-checks] [--keep] [--write FILE]

The fleet, on addresses of 127.0.0.0/8 and ten ports (every address listens on all ten):
  nginx (2 workers), four server blocks with its default ciphers:
    ec      TLS 1.2 + 1.3, ECDSA P-256 certificate       30%
    rsa     TLS 1.2 + 1.3, RSA 2048 certificate          30%
    order   TLS 1.2 only, RSA, server order              15%
    ec13    TLS 1.3 only, ECDSA                          the rest of the TLS targets
  gnutls-serv, 4 instances (each on its own port, reached on 100 addresses each):
    two NORMAL with TLS 1.2 + 1.3 and ECDSA, two NORMAL with TLS 1.2 only and RSA   4%
  openssl s_server, 20 instances (one target each): 10 RSA TLS 1.2 + 1.3, 10 ECDSA
    TLS 1.3 only
  silent  2.5%: listeners that never accept (the kernel completes the connection, nothing
          reads the hello)
  refused 2.5%: addresses where nothing listens on those ports.

1. One `tlsdiag scan -q --jsonl -iL targets` with the default options (and a second with
   --target-timeout when given): wall time, peak RSS (wait4), open descriptors (the
   maximum of /proc/PID/fd sampled every 50 ms), connections per second (the targets'
   "stats"), and the check: every target exactly one line; silent ones "no_answer",
   refused ones "tcp_refused"; TLS ones with the configured versions and key type.
2. A 500-target subset (50 addresses x the ten ports): nmap --script ssl-enum-ciphers and
   tlsdiag on the same targets, wall times and the TLS targets each found.
3. --rate, --concurrency, --per-target and a low descriptor limit (EMFILE) on small
   subsets: connections per second against the rate, peak sockets against the limits,
   results equal to an unlimited run's.
Only loopback addresses are used.
"""
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from loopback import free_ports, make_certs, need_addr, nginx_server, silent_server, spawn  # noqa: E402
ARGS = sys.argv[1:]


def arg(name, default=None):
    return ARGS[ARGS.index(name) + 1] if name in ARGS else default


TLSDIAG = os.path.abspath(ARGS[0])
N = int(arg("--targets", "10000"))
TTIMEOUT = arg("--target-timeout")
WRITE = arg("--write")
NPORTS = 10
PER_ADDR_ERR = 250  # addresses in one 127.K.x.0/24 before the next x
WORK = tempfile.mkdtemp(prefix="tlsd-fleet-")
ENV = dict(os.environ, OPENSSL_CONF=os.path.join(WORK, "openssl.cnf"))
procs = []
log = []


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def wait_port(addr, port):
    need_addr(addr, port, 60)


def start(args):
    return spawn(args, ENV, procs)


def certs():
    open(ENV["OPENSSL_CONF"], "w").write("# empty\n")
    make_certs(WORK, ENV)


# ---- the fleet ---------------------------------------------------------------------

V12, V13 = "TLSv1.2", "TLSv1.3"
# kind: (expected versions, key type) or an ending for the targets without TLS
EXPECT = {"ec": ({V12, V13}, "EC"), "rsa": ({V12, V13}, "RSA"), "order": ({V12}, "RSA"),
          "ec13": ({V13}, "EC"), "gnutls-ec": ({V12, V13}, "EC"),
          "gnutls-rsa": ({V12}, "RSA"), "s_server-rsa": ({V12, V13}, "RSA"),
          "s_server-ec13": ({V13}, "EC"), "silent": "no_answer", "refused": "tcp_refused"}
NET = {"ec": 1, "rsa": 2, "order": 3, "ec13": 4, "silent": 9, "refused": 8}


def addresses(net, n):
    return [f"127.{net}.{i // PER_ADDR_ERR}.{i % PER_ADDR_ERR + 1}" for i in range(n)]


def layout():
    """targets: list of (addr, port, kind); addrs: kind -> its addresses (ten ports each)."""
    n_gnutls = max(2, N * 4 // 100 // 100) if N >= 1000 else 2
    per_gnutls = 100 if N >= 1000 else max(1, N // 100)
    n_ss = 20 if N >= 1000 else 4
    quiet = N * 25 // 1000 // NPORTS  # addresses of silent, and of refused, targets
    tls_nginx = N - 2 * quiet * NPORTS - n_gnutls * per_gnutls - n_ss
    a_ec = tls_nginx * 30 // 100 // NPORTS
    a_rsa = a_ec
    a_order = tls_nginx * 15 // 100 // NPORTS
    a_ec13 = tls_nginx // NPORTS - a_ec - a_rsa - a_order
    extra = tls_nginx - NPORTS * (a_ec + a_rsa + a_order + a_ec13)  # to make N exactly
    n_ss += extra
    addrs = {"ec": addresses(NET["ec"], a_ec), "rsa": addresses(NET["rsa"], a_rsa),
             "order": addresses(NET["order"], a_order), "ec13": addresses(NET["ec13"], a_ec13),
             "silent": addresses(NET["silent"], quiet), "refused": addresses(NET["refused"], quiet)}
    return addrs, n_gnutls, per_gnutls, n_ss


def nginx(addrs, ports):
    def listens(kind):
        return "\n".join(f"  listen {a}:{p} ssl;" for a in addrs[kind] for p in ports)

    blocks = {"ec": ("ec", "TLSv1.2 TLSv1.3", ""), "rsa": ("rsa", "TLSv1.2 TLSv1.3", ""),
              "order": ("rsa", "TLSv1.2", "ssl_prefer_server_ciphers on;"),
              "ec13": ("ec", "TLSv1.3", "")}
    servers = "\n".join(
        f""" server {{
{listens(kind)}
  server_name localhost; ssl_protocols {protos}; {extra}
  ssl_certificate {WORK}/{cert}.pem; ssl_certificate_key {WORK}/{cert}.key;
  location / {{ return 200 ok; }} }}""" for kind, (cert, protos, extra) in blocks.items())
    start(nginx_server(WORK, 0, "fleet", servers, connections=16384, workers=2,
                       main="worker_rlimit_nofile 65536;", log_level="crit"))
    for kind in blocks:
        if addrs[kind]:
            wait_port(addrs[kind][-1], ports[-1])


def silent(addrs, ports):
    """Listeners that never accept: connected, never answered."""
    procs.append(silent_server(ports, addrs))


def build_fleet():
    addrs, n_gnutls, per_gnutls, n_ss = layout()
    ports = free_ports(NPORTS + n_gnutls + n_ss)
    nport, gports, sports = ports[:NPORTS], ports[NPORTS:NPORTS + n_gnutls], ports[NPORTS + n_gnutls:]
    targets = []
    for kind in ("ec", "rsa", "order", "ec13", "silent", "refused"):
        targets += [(a, p, kind) for a in addrs[kind] for p in nport]
    nginx(addrs, nport)
    silent(addrs["silent"], nport)
    # gnutls-serv listens on every address (it has no option to bind one): its port is
    # reached on 127.20+g.0.x, each its own target.
    for g, port in enumerate(gports):
        kind, cert, prio = (("gnutls-ec", "ec", "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")
                            if g % 2 == 0 else
                            ("gnutls-rsa", "rsa", "NORMAL:-VERS-ALL:+VERS-TLS1.2"))
        start(["gnutls-serv", "--port", str(port), "--x509certfile", f"{WORK}/{cert}.pem",
               "--x509keyfile", f"{WORK}/{cert}.key", "--priority", prio])
        wait_port("127.0.0.1", port)
        targets += [(f"127.{20 + g}.0.{i + 1}", port, kind) for i in range(per_gnutls)]
    for i, port in enumerate(sports):
        addr = f"127.30.{i // PER_ADDR_ERR}.{i % PER_ADDR_ERR + 1}"
        if i % 2 == 0:
            kind, extra = "s_server-rsa", ["-cert", f"{WORK}/rsa.pem", "-key", f"{WORK}/rsa.key",
                                           "-no_ssl3", "-no_tls1", "-no_tls1_1"]
        else:
            kind, extra = "s_server-ec13", ["-cert", f"{WORK}/ec.pem", "-key", f"{WORK}/ec.key",
                                            "-tls1_3"]
        start(["openssl", "s_server", "-accept", f"{addr}:{port}", "-quiet", "-naccept",
               "100000000", *extra])
        wait_port(addr, port)
        targets.append((addr, port, kind))
    assert len(targets) == N and len(set((a, p) for a, p, _ in targets)) == N, len(targets)
    return targets, addrs, nport


# ---- running and measuring a scan ---------------------------------------------------

def fd_sampler(pid, stop, out, period=0.05):
    """The maximum over samples of the descriptors (all, and sockets) open in pid."""
    peak_all = peak_sock = 0
    d = f"/proc/{pid}/fd"
    while not stop.is_set():
        try:
            names = os.listdir(d)
            socks = 0
            for n in names:
                try:
                    if os.readlink(f"{d}/{n}").startswith("socket:"):
                        socks += 1
                except OSError:
                    pass
            peak_all, peak_sock = max(peak_all, len(names)), max(peak_sock, socks)
        except OSError:
            break
        time.sleep(period)
    out["fds"], out["sockets"] = peak_all, peak_sock


def run_scan(targets, extra=(), name="scan", nofile=None):
    lst = os.path.join(WORK, f"{name}.targets")
    open(lst, "w").write("".join(f"{a}:{p}\n" for a, p, _ in targets))
    outp = os.path.join(WORK, f"{name}.jsonl")
    cmd = [TLSDIAG, "scan", "-q", "--jsonl", *extra, "-iL", lst]

    def limit():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(
                resource.RLIMIT_NOFILE)[1]))

    load0 = os.getloadavg()
    t0 = time.perf_counter()
    with open(outp, "w") as outf:
        p = subprocess.Popen(cmd, stdout=outf, stderr=subprocess.PIPE, env=ENV, preexec_fn=limit)
        stop, fds = threading.Event(), {}
        th = threading.Thread(target=fd_sampler, args=(p.pid, stop, fds))
        th.start()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        stop.set()
        th.join()
    stderr = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    rows = [json.loads(line) for line in open(outp)]
    conns = sum(d.get("stats", {}).get("connections", 0) for d in rows)
    hs = sum(d.get("stats", {}).get("handshakes", 0) for d in rows)
    return {"cmd": cmd, "wall": wall, "rss_mb": usage.ru_maxrss / 1024,
            "cpu": usage.ru_utime + usage.ru_stime, "exit": os.waitstatus_to_exitcode(status),
            "fds": fds.get("fds", 0), "sockets": fds.get("sockets", 0), "rows": rows,
            "conns": conns, "handshakes": hs, "load0": load0, "load1": os.getloadavg(),
            "stderr": stderr}


def summary_of(d):
    """What a target's line says, in the terms the fleet was configured with."""
    if "error" in d:
        return ("error", d.get("ending", "?"), d["error"])
    versions = {v["version"] for v in d["versions"] if v["accepted"]}
    keys = {c["chain"][0]["key_type"] for c in d.get("certificates", []) if c.get("chain")}
    return ("tls", frozenset(versions), frozenset(keys))


def check(targets, rows):
    """Problems: a target without exactly one line, or a line not as configured."""
    kind = {f"{a}:{p}": k for a, p, k in targets}
    seen, problems, tally = {}, [], {}
    for d in rows:
        seen[d["target"]] = seen.get(d["target"], 0) + 1
    for t, k in kind.items():
        if seen.get(t, 0) != 1:
            problems.append(f"{t}: {seen.get(t, 0)} lines")
    problems += [f"{t}: not a target of the fleet" for t in seen if t not in kind]
    for d in rows:
        k = kind.get(d["target"])
        if k is None:
            continue
        s, want = summary_of(d), EXPECT[k]
        if isinstance(want, str):
            ok = s[0] == "error" and s[1] == want
        else:
            ok = s[0] == "tls" and s[1] == want[0] and s[2] == {want[1]} and \
                not d.get("incomplete")
        tally.setdefault(k, [0, 0])[0 if ok else 1] += 1
        if not ok:
            problems.append(f"{d['target']} ({k}): {s if s[0] == 'error' else (sorted(s[1]), sorted(s[2]))}"
                            f"{' incomplete' if d.get('incomplete') else ''}")
    return problems, tally


def errors_by_reason(rows):
    out = {}
    for d in rows:
        if "error" in d:
            why = re.sub(r"\d+", "N", d["error"])[:70]
            out[why] = out.get(why, 0) + 1
    return out


# ---- nmap side by side --------------------------------------------------------------

def subset(addrs, ports):
    """50 addresses x the ten ports: 500 targets in the fleet's proportions."""
    pick = {"ec": 14, "rsa": 14, "order": 8, "ec13": 9, "silent": 2, "refused": 3}
    chosen = []
    for k, n in pick.items():
        chosen += [(a, k) for a in addrs[k][:n]]
    return [(a, p, k) for a, k in chosen for p in ports], [a for a, _ in chosen]


def run_nmap(hosts, ports):
    hl = os.path.join(WORK, "nmap.hosts")
    open(hl, "w").write("\n".join(hosts) + "\n")
    xml = os.path.join(WORK, "nmap.xml")
    cmd = ["nmap", "-Pn", "-n", "-p", ",".join(map(str, ports)), "--script", "ssl-enum-ciphers",
           "-iL", hl, "-oX", xml]
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, env=ENV)
    wall = time.perf_counter() - t0
    found = {}
    for h in ET.parse(xml).getroot().iter("host"):
        addr = h.find("address").get("addr")
        for p in h.iter("port"):
            state = p.find("state").get("state")
            script = p.find("script[@id='ssl-enum-ciphers']")
            versions = frozenset(t.get("key") for t in script.findall("table")) if script is not None else None
            found[f"{addr}:{p.get('portid')}"] = (state, versions)
    return cmd, wall, found


# ---- the options --------------------------------------------------------------------

def option_checks(targets, out):
    tls = [t for t in targets if t[2] in ("ec", "rsa")]
    few = tls[:20]
    base = run_scan(few, name="base")
    rows = []

    def whole(rows_):
        """Each target's line without what tells how the scan went."""
        out = {}
        for d in rows_:
            d = dict(d)
            d.pop("stats", None)
            d.pop("probes_retried", None)
            out[d["target"]] = d
        return out

    base_w = whole(base["rows"])

    def same(r):
        w = whole(r["rows"])
        diff = sorted(t for t in base_w if w.get(t) != base_w[t])
        if not diff:
            return "yes"
        keys = sorted({k for t in diff for k in set(w.get(t, {})) | set(base_w[t])
                       if w.get(t, {}).get(k) != base_w[t].get(k)})
        return f"NO: {len(diff)} of {len(base_w)} targets differ in {', '.join(keys)}"

    rate = 200
    r = run_scan(few, ["--rate", str(rate)], name="rate")
    cps = r["conns"] / r["wall"]
    rows.append((f"--rate {rate}", len(few), f"{r['wall']:.1f}", f"{cps:.0f} connections/s "
                 f"(limit {rate}: {'kept' if cps <= rate * 1.02 else 'EXCEEDED'})", same(r)))
    for conc in (8,):
        r = run_scan(few, ["--concurrency", str(conc)], name=f"conc{conc}")
        rows.append((f"--concurrency {conc}", len(few), f"{r['wall']:.1f}",
                     f"peak sockets {r['sockets']} (limit {conc})", same(r)))
    r1 = run_scan(few[:1], name="one")
    r = run_scan(few[:1], ["--per-target", "2"], name="pert")
    rows.append(("--per-target 2", 1, f"{r['wall']:.1f}",
                 f"peak sockets {r['sockets']} (limit 2; default 16: {r1['sockets']})",
                 "yes" if whole(r["rows"]) == whole(r1["rows"]) else "NO"))
    nofile = 32
    r = run_scan(few, ["--concurrency", "256"], name="emfile", nofile=nofile)
    bad = [d["target"] for d in r["rows"] if "error" in d or d.get("incomplete")]
    rows.append((f"ulimit -n {nofile}, --concurrency 256", len(few), f"{r['wall']:.1f}",
                 f"peak descriptors {r['fds']}, exit {r['exit']}, {len(bad)} targets in error "
                 f"or incomplete", same(r)))
    out.append("### Options kept on the fleet's servers\n")
    out.append("Small subsets of the nginx targets; \"same results\": each target's JSON line, "
               "without \"stats\" and \"probes_retried\", equal to that of the same targets "
               "scanned with the defaults. Sockets and descriptors are the maximum of "
               "/proc/PID/fd sampled every 50 ms.\n")
    out.append("| options | targets | wall (s) | measured | same results |")
    out.append("|---|---|---|---|---|")
    out += [f"| {' | '.join(map(str, x))} |" for x in rows]
    out.append("")


# ---- main ---------------------------------------------------------------------------

def scan_table(out, label, r, targets):
    problems, tally = check(targets, r["rows"])
    n_lines = len(r["rows"])
    out.append(f"| {label} | {n_lines} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['rss_mb']:.0f} "
               f"| {r['fds']} ({r['sockets']} sockets) | {r['conns']} | "
               f"{r['conns'] / r['wall']:.0f} | {r['handshakes']} | {len(problems)} | "
               f"{r['load0'][0]:.2f} / {r['load1'][0]:.2f} |")
    return problems, tally


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    certs()
    out, notes = [], []
    try:
        say(f"starting the fleet of {N} in {WORK}")
        targets, addrs, ports = build_fleet()
        kinds = {}
        for _, _, k in targets:
            kinds[k] = kinds.get(k, 0) + 1
        out.append(f"Fleet of {N} targets: " + ", ".join(f"{k} {v}" for k, v in kinds.items())
                   + f" (nginx {NPORTS} ports x {sum(len(addrs[k]) for k in ('ec', 'rsa', 'order', 'ec13'))} "
                   f"addresses, 2 workers; gnutls-serv and s_server instances; silent: listeners "
                   f"that never accept; refused: nothing listens). Descriptor limit raised from "
                   f"{soft} to {hard} (`ulimit -n`) for the servers and the scan.\n")
        if "--only-checks" in ARGS:
            option_checks(targets, out)
            return print("\n".join(out))
        runs = [("defaults", [])]
        if TTIMEOUT:
            runs.append((f"--target-timeout {TTIMEOUT}", ["--target-timeout", TTIMEOUT]))
        out.append(f"### 1. One scan of the {N} targets\n")
        out.append("| options | result lines | wall (s) | CPU (s) | peak RSS (MB) | peak descriptors "
                   "| connections | connections/s | handshakes | check failures | load avg before / after |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")
        details = []
        for label, extra in runs:
            say(f"scan {label}")
            r = run_scan(targets, extra, name="fleet" + str(len(details)))
            problems, tally = scan_table(out, label, r, targets)
            details.append((label, r, problems, tally))
        out.append("")
        for label, r, problems, tally in details:
            out.append(f"`{label}`: command `{' '.join(os.path.basename(c) if c.startswith('/') else c for c in r['cmd'])}`, "
                       f"exit {r['exit']}. Per kind (as configured / not): "
                       + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(tally.items())) + ".")
            errs = errors_by_reason(r["rows"])
            if errs:
                out.append(" Errors: " + "; ".join(f"{v} x \"{k}\"" for k, v in
                                                    sorted(errs.items(), key=lambda x: -x[1])) + ".")
            if problems:
                out.append(" First check failures: " + "; ".join(problems[:5]) + ".")
            out.append("")
        if "--skip-nmap" not in ARGS:
            say("nmap subset")
            sub, hosts = subset(addrs, ports)
            cmd, nwall, found = run_nmap(hosts, ports)
            r = run_scan(sub, name="subset")
            t_tls = {d["target"]: summary_of(d)[1] for d in r["rows"] if summary_of(d)[0] == "tls"}
            n_tls = {t: v for t, (state, v) in found.items() if v}
            kind = {f"{a}:{p}": k for a, p, k in sub}
            same_set = set(t_tls) == set(n_tls)
            same_versions = sum(1 for t in t_tls if n_tls.get(t) == t_tls[t])
            out.append(f"### 2. {len(sub)}-target subset ({len(hosts)} addresses x {NPORTS} ports), "
                       f"side by side\n")
            out.append("| tool | wall (s) | TLS targets found | vs tlsdiag |")
            out.append("|---|---|---|---|")
            out.append(f"| tlsdiag scan --jsonl | {r['wall']:.1f} | {len(t_tls)} | 1.0x |")
            out.append(f"| nmap --script ssl-enum-ciphers | {nwall:.1f} | {len(n_tls)} | "
                       f"{nwall / r['wall']:.1f}x |\n")
            states = {}
            for t, (state, v) in found.items():
                key = (kind.get(t, "?"), state, "TLS" if v else "no TLS")
                states[key] = states.get(key, 0) + 1
            out.append(f"Same set of TLS targets: **{'yes' if same_set else 'NO'}** "
                       f"({len(set(t_tls) & set(n_tls))} in both, {len(set(t_tls) - set(n_tls))} "
                       f"only tlsdiag, {len(set(n_tls) - set(t_tls))} only nmap); the same protocol "
                       f"versions on {same_versions} of {len(t_tls)}. nmap's port states: "
                       + ", ".join(f"{k[0]} {k[1]} {k[2]}: {v}" for k, v in sorted(states.items()))
                       + f". nmap command: `{' '.join(os.path.basename(c) if c.startswith('/') else c for c in cmd)}`.\n")
        if "--skip-checks" not in ARGS:
            say("option checks")
            option_checks(targets, out)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if "--keep" not in ARGS:
            shutil.rmtree(WORK, ignore_errors=True)
    text = "\n".join(out)
    print(text)
    if WRITE:
        write(text)


def write(text):
    doc = open(WRITE).read()
    begin, end = "<!-- fleet:begin -->", "<!-- fleet:end -->"
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "?")
    nmap_v = subprocess.run(["nmap", "--version"], capture_output=True,
                            text=True).stdout.split("\n")[0].strip()
    cmd = " ".join(["bench/fleet_bench.py", "build-release/tlsdiag", *ARGS[1:]])
    block = (f"{begin}\n## tlsdiag scan: a fleet of {N}\n\nCommand: `{cmd}` (run "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {cpu}, {os.cpu_count()} cores "
             f"shared with other work; {nmap_v})\n\n{text}\n{end}")
    if begin in doc:
        doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:  # after the scan section
        mark = "<!-- scan:end -->"
        i = doc.find(mark)
        j = doc.find("<!-- ", i + len(mark)) if i >= 0 else -1
        if j < 0:
            doc = doc.rstrip() + "\n\n" + block + "\n"
        else:
            doc = doc[:j].rstrip("\n") + "\n\n" + block + "\n" + doc[j:]
    open(WRITE, "w").write(doc)


if __name__ == "__main__":
    main()
