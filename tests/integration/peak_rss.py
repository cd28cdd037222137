#!/usr/bin/env python3
"""Runs a command and writes its peak resident memory (kB, the kernel's ru_maxrss of the
waited child) to a file; a hang guard kills it after a time limit.

Usage: peak_rss.py RSS_FILE LIMIT_SECONDS CMD [ARG...]
Exits with the command's status (124 when the guard killed it, as timeout(1) does).
"""
import os
import signal
import subprocess
import sys
import threading


def main():
    out, limit, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    proc = subprocess.Popen(cmd)
    killed = []
    guard = threading.Timer(limit, lambda: (killed.append(1), proc.send_signal(signal.SIGKILL)))
    guard.start()
    _, status, usage = os.wait4(proc.pid, 0)
    guard.cancel()
    with open(out, "w") as f:
        f.write(f"{usage.ru_maxrss}\n")
    if killed:
        sys.exit(124)
    sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
