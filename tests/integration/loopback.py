"""Helpers the integration tests and the benchmarks share to start servers on loopback: free
ports, waiting for a server to listen, self-signed certificates, nginx on many addresses,
listeners that never answer, and running a server for the length of a check.

The shell tests use them through loopback.sh, which runs this file as a command:
  loopback.py free-port                          a free port
  loopback.py wait ADDR PORT [SECONDS]           exit 0 once ADDR:PORT accepts
  loopback.py certs WORK                         WORK/ec.{key,pem} and WORK/rsa.{key,pem}
  loopback.py nginx WORK NAME CONNECTIONS BODY   nginx in the foreground, http{} body in file BODY
  loopback.py silent PORTS ADDR...               listeners that never accept, until SIGTERM
                                                 (PORTS comma-separated; "ready" once listening)
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time


def free_ports(n):
    """n different free loopback ports (each held until all are chosen)."""
    out, socks = [], []
    while len(out) < n:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        out.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return out


def free_port():
    return free_ports(1)[0]


def wait_addr(addr, port, seconds=10, proc=None):
    """True once addr:port accepts; False when proc (if given) exits or time runs out."""
    end = time.time() + seconds
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection((addr, port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def need_addr(addr, port, seconds=10):
    """wait_addr for a benchmark: a server that does not listen ends the run."""
    if not wait_addr(addr, port, seconds):
        raise SystemExit(f"{addr}:{port} did not open")


def spawn(args, env=None, started=None, **popen):
    """args run quietly (no input, output discarded); the process, appended to started."""
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, env=env, **popen)
    if started is not None:
        started.append(p)
    return p


def wait_port(port, proc, seconds=10):
    """True once 127.0.0.1:port accepts; False when proc exits or time runs out."""
    return wait_addr("127.0.0.1", port, seconds, proc)


def make_cert(work, name, keyopts, env):
    """work/name.key and work/name.pem: a self-signed certificate for localhost."""
    r = subprocess.run(["openssl", "req", "-x509", *keyopts, "-nodes", "-days", "30",
                        "-keyout", f"{work}/{name}.key", "-out", f"{work}/{name}.pem",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr


EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
RSA_KEY = ["-newkey", "rsa:2048"]


def make_certs(work, env=None):
    """work/ec.{key,pem} (P-256) and work/rsa.{key,pem} (2048 bits), as make_cert makes them."""
    make_cert(work, "ec", EC_KEY, env)
    make_cert(work, "rsa", RSA_KEY, env)


def nginx_server(work, port, name, body, connections=512, workers=1, main="", log_level=""):
    """The command that runs nginx in the foreground under work/nginx-NAME with the http{}
    body given (PORT and WORK in it replaced); main: directives of the main context (e.g.
    worker_rlimit_nofile), log_level: of its error log (nginx's default: error)."""
    prefix = os.path.join(work, "nginx-" + name)
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log {log_level};
worker_processes {workers}; {main} events {{ worker_connections {connections}; }}
http {{ access_log off; client_body_temp_path {prefix}; proxy_temp_path {prefix};
  fastcgi_temp_path {prefix}; uwsgi_temp_path {prefix}; scgi_temp_path {prefix};
{body.replace("PORT", str(port)).replace("WORK", work)} }}
""")
    return ["nginx", "-p", prefix, "-c", conf]


def silent_sockets(ports, addrs):
    """Listeners that never accept on every addr:port: the kernel completes each connection
    (a backlog of 4096 holds many rounds of a scan), nothing reads the hello. The sockets
    (they listen while they are open)."""
    socks = []
    for a in addrs:
        for p in ports:
            s = socket.socket()
            s.bind((a, p))
            s.listen(4096)
            socks.append(s)
    return socks


def silent_server(ports, addrs, **popen):
    """silent_sockets in a process of its own (so that a scan in this one cannot accept
    them either): the process, once it listens."""
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "silent",
                          ",".join(map(str, ports)), *addrs],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, **popen)
    if p.stdout.readline().strip() != "ready":
        raise SystemExit("silent listeners did not start")
    return p


@contextlib.contextmanager
def server(cmd, env, stdin_open=False):
    """Runs cmd (a server) while the block runs; yields the process. stdin_open: its stdin
    is a pipe held open (as on an administrator's terminal; openssl s_server at the end of
    its stdin ends connections differently), else /dev/null."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.PIPE if stdin_open else subprocess.DEVNULL, env=env)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        if proc.stdin:
            proc.stdin.close()


def report(results):
    """results: (configuration, checks passed, failure lines). Prints them and the totals;
    the exit status (1 when anything failed)."""
    passes = fails = 0
    for name, ok, lines in results:
        print(f"{name}: {ok} checks passed, {len(lines)} failed")
        for line in lines:
            print("  FAIL " + line)
        passes += ok
        fails += len(lines)
    print(f"{passes} passed, {fails} failed")
    return 1 if fails else 0


def main(argv):
    cmd, args = argv[0], argv[1:]
    if cmd == "free-port":
        print(free_port())
    elif cmd == "wait":
        return 0 if wait_addr(args[0], int(args[1]), float(args[2]) if len(args) > 2 else 10) else 1
    elif cmd == "certs":
        make_certs(args[0])
    elif cmd == "nginx":
        with open(args[3]) as f:
            nginx = nginx_server(args[0], 0, args[1], f.read(), connections=int(args[2]))
        os.execvp(nginx[0], nginx)
    elif cmd == "silent":
        socks = silent_sockets([int(p) for p in args[0].split(",")], args[1:])
        print("ready", flush=True)
        signal.sigwait([signal.SIGTERM])
        del socks
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
