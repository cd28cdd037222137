/* A full TLS 1.3 handshake through libssl, for what a TLS 1.3 server only
 * sends encrypted: the certificate chain. Runs on the libuv thread pool
 * (blocking socket with time limits). */
#include <errno.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "platform.h"

#include "scan_internal.h"

static int connect_socket(const struct sockaddr_storage *addr, unsigned timeout_ms, char *err,
                          size_t errlen)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(tlsd_sock_errno()));
        return -1;
    }
    tlsd_sock_timeouts(fd, timeout_ms);
    socklen_t len =
        addr->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (connect(fd, (const struct sockaddr *)addr, len) < 0) {
        snprintf(err, errlen, "connect: %s", strerror(tlsd_sock_errno()));
        tlsd_sock_close(fd);
        return -1;
    }
    return fd;
}

int scan_full_handshake(struct fullhs *h)
{
    h->ok = false;
    int fd = connect_socket(&h->addr, h->timeout_ms, h->error, sizeof h->error);
    if (fd < 0)
        return -1;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    if (!ssl) {
        snprintf(h->error, sizeof h->error, "libssl: cannot create a connection");
        goto out;
    }
    SSL_CTX_set_security_level(ctx, 0);
    SSL_set_min_proto_version(ssl, h->version);
    SSL_set_max_proto_version(ssl, h->version);
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    if (h->sni[0])
        SSL_set_tlsext_host_name(ssl, h->sni);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        unsigned long e = ERR_get_error();
        snprintf(h->error, sizeof h->error, "handshake: %s",
                 e ? ERR_reason_error_string(e) : "connection closed");
        goto out;
    }
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    for (int i = 0; chain && i < sk_X509_num(chain) && h->n_der < FULLHS_MAX_CHAIN; i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(sk_X509_value(chain, i), &der);
        if (len <= 0)
            break;
        h->der[h->n_der] = der;
        h->der_len[h->n_der] = (size_t)len;
        h->n_der++;
    }
    h->suite = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl));
    h->ok = h->n_der > 0;
    SSL_shutdown(ssl);
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    tlsd_sock_close(fd);
    return h->ok ? 0 : -1;
}

void scan_fullhs_free(struct fullhs *h)
{
    for (size_t i = 0; i < h->n_der; i++)
        OPENSSL_free(h->der[i]);
    h->n_der = 0;
}
