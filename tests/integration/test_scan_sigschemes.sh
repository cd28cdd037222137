#!/usr/bin/env bash
# tlsdiag scan's TLS 1.3 signature schemes against openssl s_client offering one scheme
# at a time, on s_server and gnutls-serv configurations with RSA, RSA-PSS, ECDSA and
# Ed25519 certificates and restricted scheme lists.
exec timeout 300 python3 "$(dirname "$0")/scan_sigschemes.py"
