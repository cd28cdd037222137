"""Helpers the Python integration tests share: free loopback ports, waiting for a server
to listen, self-signed certificates, and running a server for the length of a check."""
import contextlib
import os
import socket
import subprocess
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds=10):
    """True once 127.0.0.1:port accepts; False when proc exits or time runs out."""
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def make_cert(work, name, keyopts, env):
    """work/name.key and work/name.pem: a self-signed certificate for localhost."""
    r = subprocess.run(["openssl", "req", "-x509", *keyopts, "-nodes", "-days", "30",
                        "-keyout", f"{work}/{name}.key", "-out", f"{work}/{name}.pem",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr


def nginx_server(work, port, name, body):
    """The command that runs nginx in the foreground under work/nginx-NAME with the http{}
    body given (PORT and WORK in it replaced)."""
    prefix = os.path.join(work, "nginx-" + name)
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;
worker_processes 1; events {{ worker_connections 512; }}
http {{ access_log off; client_body_temp_path {prefix}; proxy_temp_path {prefix};
  fastcgi_temp_path {prefix}; uwsgi_temp_path {prefix}; scgi_temp_path {prefix};
{body.replace("PORT", str(port)).replace("WORK", work)} }}
""")
    return ["nginx", "-p", prefix, "-c", conf]


@contextlib.contextmanager
def server(cmd, env):
    """Runs cmd (a server) while the block runs; yields the process."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


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
