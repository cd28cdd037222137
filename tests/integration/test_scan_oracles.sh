#!/usr/bin/env bash
# tlsdiag scan vs sslscan and nmap ssl-enum-ciphers on 12 real server
# configurations (openssl s_server, gnutls-serv, nginx) on loopback.
exec timeout 500 python3 "$(dirname "$0")/scan_oracles.py"
