#!/usr/bin/env python3
"""SIGINT/SIGTERM during scan and analyze: what was finished is written, well formed
(a complete JSON document with "interrupted": true), and the exit code is 130.

Usage: interrupt.py TLSDIAG CAPTURE WORKDIR
Starts its own servers on loopback: openssl s_server (TLS 1.3 only: a quick scan) and a
socket that accepts and never answers (a scan that cannot finish before its time limit).
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from loopback import free_port, make_cert, wait_port  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: " + what)


def stopped(p, name, err):
    """Checks the exit code of a run stopped by a signal."""
    check(p.returncode == 130, "%s: exit %d, want 130 (%s)" % (name, p.returncode, err[-300:]))


def document(name, out):
    """The JSON document out, checked to be marked interrupted; None when it is no JSON."""
    try:
        doc = json.loads(out)
    except ValueError as e:
        check(False, "%s: not JSON: %s" % (name, e))
        return None
    check(doc.get("interrupted") is True, name + ": not marked interrupted")
    return doc


def silent_server():
    """Accepts and never answers; returns its port."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(256)
    held = []

    def serve():
        while True:
            c, _ = ls.accept()
            held.append(c)

    threading.Thread(target=serve, daemon=True).start()
    return ls.getsockname()[1]


def scan_cases(tlsdiag, work, good, silent):
    targets = ["127.0.0.1:%d" % good, "127.0.0.1:%d" % silent]
    base = [tlsdiag, "scan", "-q", "--timeout", "60000", "--target-timeout", "120"]
    # --jsonl: the good target's line comes when it is done; the signal follows it.
    p = subprocess.Popen(base + ["--jsonl"] + targets, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    t0 = time.time()
    first = p.stdout.readline()
    took = time.time() - t0
    p.send_signal(signal.SIGINT)
    rest, err = p.communicate(timeout=60)
    lines = [json.loads(x) for x in (first + rest).splitlines() if x.strip()]
    check(p.returncode == 130, "scan --jsonl: exit %d after SIGINT, want 130 (%s)" %
          (p.returncode, err[-300:]))
    check(len(lines) == 2, "scan --jsonl: %d lines, want 2" % len(lines))
    good_line = [x for x in lines if x["target"] == targets[0]]
    check(good_line and "error" not in good_line[0], "scan --jsonl: the finished target lost")
    cut = [x for x in lines if x["target"] == targets[1]]
    check(cut and "interrupted" in cut[0].get("error", ""),
          "scan --jsonl: the unfinished target not marked interrupted")
    # --json and text, SIGINT and SIGTERM: the signal once the good target is surely done.
    wait = 2 * took + 2
    for fmt, sig in (("--json", signal.SIGINT), ("--json", signal.SIGTERM),
                     ("--text", signal.SIGINT)):
        args = base + ([fmt] if fmt != "--text" else []) + targets
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(wait)
        p.send_signal(sig)
        t1 = time.time()
        out, err = p.communicate(timeout=60)
        name = "scan %s %s" % (fmt, signal.Signals(sig).name)
        check(time.time() - t1 < 20, "%s: took %.0f s to stop" % (name, time.time() - t1))
        stopped(p, name, err)
        if fmt == "--json":
            doc = document(name, out)
            if doc is None:
                continue
            by = {t["target"]: t for t in doc.get("targets", [])}
            g = by.get(targets[0], {})
            check("error" not in g and any(v["accepted"] for v in g.get("versions", [])),
                  name + ": the finished target is not complete")
            check("interrupted" in by.get(targets[1], {}).get("error", ""),
                  name + ": the unfinished target not marked interrupted")
        else:
            text = out.decode()
            check("Interrupted" in text, name + ": no 'Interrupted' line")
            check("TLSv1.3  yes" in text, name + ": the finished target's report is missing")


def analyze_cases(tlsdiag, capture, work):
    full = subprocess.run([tlsdiag, "analyze", "--json", capture], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    ref = {(c["stream"], c["first_frame"]): c["outcome"]
           for c in json.loads(full.stdout)["connections"]}
    data = open(capture, "rb").read()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Reading a pipe that stays open: the signal, then the end of the input.
        p = subprocess.Popen([tlsdiag, "analyze", "--json", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(data)
        p.stdin.flush()
        time.sleep(1.5)
        p.send_signal(sig)
        time.sleep(0.5)
        out, err = p.communicate(timeout=60)  # closes the input
        name = "analyze --json %s" % signal.Signals(sig).name
        stopped(p, name, err)
        doc = document(name, out)
        if doc is None:
            continue
        got = {(c["stream"], c["first_frame"]): c["outcome"] for c in doc["connections"]}
        check(got and all(ref.get(k) == v for k, v in got.items()),
              name + ": connections differ from a whole run")
        tot = doc["summary"]["totals"]
        check(tot["connections"] + tot["connections_unfinished"] >= len(got),
              name + ": totals do not cover the connections")
    # A text run says so too.
    p = subprocess.Popen([tlsdiag, "analyze", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(data)
    p.stdin.flush()
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    time.sleep(0.5)
    out, err = p.communicate(timeout=60)  # closes the input
    check(p.returncode == 130, "analyze text: exit %d, want 130" % p.returncode)
    check(b"Interrupted:" in out, "analyze text: no 'Interrupted:' line")


def twice(p, sig):
    """The same signal delivered twice at once, as timeout(1) sends it to the process and
    to its process group."""
    os.kill(p.pid, sig)
    os.kill(p.pid, sig)


def repeat_cases(tlsdiag, capture, good, silent):
    """A signal delivered twice at once is one request: the output is still finished. A
    second request a while later ends the process at once (the job that will not stop)."""
    targets = ["127.0.0.1:%d" % good, "127.0.0.1:%d" % silent]
    for round_ in range(3):  # the race is in the loop's timing: more than one chance
        p = subprocess.Popen([tlsdiag, "scan", "-q", "--json", "--target-timeout", "120"] +
                             targets, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.0 + round_)
        twice(p, signal.SIGTERM)
        out, err = p.communicate(timeout=60)
        stopped(p, "scan --json, SIGTERM delivered twice", err)
        document("scan --json, SIGTERM delivered twice", out)
    data = open(capture, "rb").read()
    p = subprocess.Popen([tlsdiag, "analyze", "--json", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(data)
    p.stdin.flush()
    time.sleep(1.0)
    twice(p, signal.SIGINT)
    time.sleep(0.5)
    out, err = p.communicate(timeout=60)
    stopped(p, "analyze --json, SIGINT delivered twice", err)
    document("analyze --json, SIGINT delivered twice", out)
    # serve, with a client connected that has not sent its whole hello: the same signal
    # twice still ends it with exit 0 and the JSON array closed.
    for sig in (signal.SIGTERM, signal.SIGINT):
        p = subprocess.Popen([tlsdiag, "serve", "--profile", "openssl-3", "--port", "0",
                              "--bind", "127.0.0.1", "--json", "--fixes", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        m = re.search(rb"port (\d+)", p.stderr.readline())
        check(m is not None, "serve: no listening port on stderr")
        if m is None:
            p.kill()
            p.communicate()
            continue
        c = socket.create_connection(("127.0.0.1", int(m.group(1))))
        c.send(b"\x16\x03\x01")
        time.sleep(0.5)
        twice(p, sig)
        out, err = p.communicate(timeout=60)
        name = "serve --json, %s delivered twice" % signal.Signals(sig).name
        check(p.returncode == 0, "%s: exit %d, want 0" % (name, p.returncode))
        try:
            check(isinstance(json.loads(out), list), name + ": not a JSON array")
        except ValueError as e:
            check(False, "%s: not JSON: %s" % (name, e))
        c.close()


def first_socket(p):
    """Waits until process p holds a socket (its first probe); false if it ended first."""
    fds = "/proc/%d/fd" % p.pid
    while p.poll() is None:
        try:
            if any(os.readlink(os.path.join(fds, f)).startswith("socket:")
                   for f in os.listdir(fds)):
                return True
        except OSError:
            pass  # an fd closed while it was read
        time.sleep(0.005)
    return False


def enumeration_cases(tlsdiag, key, cert):
    """SIGINT while a server's own order is being worked out (speculative rounds): the
    stop drops every queued probe at once, and an enumeration whose round was still
    submitting was freed under it (heap-use-after-free under ASan in most runs)."""
    port = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-quiet",
                            "-cert", cert, "-key", key, "-serverpref", "-naccept", "1000000",
                            "-cipher", "ALL:@SECLEVEL=0"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        check(wait_port(port, srv), "s_server -serverpref did not start")
        target = "127.0.0.1:%d" % port
        for i in range(12):
            p = subprocess.Popen([tlsdiag, "scan", "--per-target", "1", target, target, target],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            # timed from its first socket: a signal before the scan installs its handler
            # (a slow start on a loaded machine) would end it as any program, untested here
            check(first_socket(p), "scan made no connection")
            time.sleep(0.07 * i)
            p.send_signal(signal.SIGINT)
            err = p.communicate(timeout=60)[1]
            check("Sanitizer" not in err, "scan stopped during the order rounds: " + err[-600:])
            check(p.returncode in (0, 1, 130), "scan stopped during the order rounds: exit %d"
                  % p.returncode)
    finally:
        srv.kill()


def main():
    tlsdiag, capture, work = sys.argv[1], sys.argv[2], sys.argv[3]
    make_cert(work, "c", ["-newkey", "rsa:2048"], os.environ)
    key, cert = os.path.join(work, "c.key"), os.path.join(work, "c.pem")
    good = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % good, "-www",
                            "-cert", cert, "-key", key, "-tls1_3"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        check(wait_port(good, srv), "s_server did not start")
        scan_cases(tlsdiag, work, good, silent_server())
        analyze_cases(tlsdiag, capture, work)
        repeat_cases(tlsdiag, capture, good, silent_server())
        enumeration_cases(tlsdiag, key, cert)
    finally:
        srv.kill()
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
