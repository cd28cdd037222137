#!/usr/bin/env python3
"""Plain-text servers that upgrade to TLS (Python's ssl module) after the
protocol's STARTTLS dialogue: smtp, imap, pop3, ftp, ldap, postgres, xmpp.

Usage: starttls_server.py PROTO CERT KEY PORTFILE [client-order]
(client-order: the client's suite and group order decides, not Python's server order)
"""
import os
import socket
import ssl
import sys
import threading

LDAP_OK = bytes([0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00])


def readline(conn):
    buf = b""
    while not buf.endswith(b"\n"):
        c = conn.recv(1)
        if not c:
            raise OSError("closed")
        buf += c
    return buf


def dialogue(conn, proto):
    if proto == "smtp":
        conn.sendall(b"220-mail.test ESMTP\r\n220 ready\r\n")
        readline(conn)  # EHLO
        conn.sendall(b"250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
        readline(conn)  # STARTTLS
        conn.sendall(b"220 go ahead\r\n")
    elif proto == "imap":
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
        tag = readline(conn).split(b" ")[0]
        conn.sendall(tag + b" OK begin TLS now\r\n")
    elif proto == "pop3":
        conn.sendall(b"+OK POP3 ready\r\n")
        readline(conn)
        conn.sendall(b"+OK begin TLS\r\n")
    elif proto == "ftp":
        conn.sendall(b"220 FTP ready\r\n")
        readline(conn)
        conn.sendall(b"234 AUTH TLS OK\r\n")
    elif proto == "ldap":
        conn.recv(64)
        conn.sendall(LDAP_OK)
    elif proto == "postgres":
        conn.recv(8)
        conn.sendall(b"S")
    elif proto == "xmpp":
        conn.recv(4096)
        conn.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                     b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
                     b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                     b"<required/></starttls></stream:features>")
        conn.recv(4096)
        conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")


def handle(conn, proto, ctx):
    try:
        conn.settimeout(10)
        dialogue(conn, proto)
        tls = ctx.wrap_socket(conn, server_side=True)
        tls.recv(1)
        tls.close()
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    proto, cert, key, portfile = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if sys.argv[5:6] == ["client-order"]:
        ctx.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(256)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.replace(portfile + ".tmp", portfile)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handle, args=(conn, proto, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
