#!/usr/bin/env bash
# tlsdiag scan's results do not depend on how its probes were scheduled: the same JSON
# (statistics aside) with the default limits, one probe at a time, and through a delaying
# proxy, on s_server, gnutls-serv and nginx configurations (TLSD_OLD: also vs another
# tlsdiag binary, a build before a change).
exec timeout 600 python3 "$(dirname "$0")/scan_equal.py"
