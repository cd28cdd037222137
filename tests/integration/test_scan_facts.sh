#!/usr/bin/env bash
# tlsdiag scan's facts that only one kind of probe can show (encrypt-then-MAC, ECDSA
# curves, signature schemes per certificate, a TLS 1.3-only server's extensions, DHE
# sizes, a failing chain) and the same report twice, on s_server, gnutls-serv and nginx,
# each fact checked by openssl s_client or gnutls-cli in the same test.
exec timeout 900 python3 "$(dirname "$0")/scan_facts.py"
