/* What the local libssl knows: suite names and cipher-string expansion. */
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/registry.h"
#include "tlsdiag/suitelist.h"

static SSL_CTX *new_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (ctx)
        SSL_CTX_set_security_level(ctx, 0);
    return ctx;
}

/* Codes libssl can negotiate, filled once. */
static unsigned char known[65536 / 8];
static pthread_once_t known_once = PTHREAD_ONCE_INIT;

static void fill_known(void)
{
    SSL_CTX *ctx = new_ctx();
    if (!ctx)
        return;
    if (SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0") == 1 &&
        SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                      "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
                                      "TLS_AES_128_CCM_8_SHA256") == 1) {
        STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
        for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
            uint16_t id = SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(sk, i));
            known[id >> 3] |= (unsigned char)(1u << (id & 7));
        }
    }
    SSL_CTX_free(ctx);
    ERR_clear_error();
}

bool tlsd_openssl_knows(uint32_t code)
{
    if (code > 0xFFFF)
        return false; /* OpenSSL 1.1+ has no SSLv2 */
    pthread_once(&known_once, fill_known);
    return (known[code >> 3] >> (code & 7)) & 1;
}

static SSL_CTX *probe_ctx;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;

static void make_probe(void)
{
    probe_ctx = new_ctx();
}

static bool cipherstring_chars(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-+_=.!@", *s))
            return false;
    return true;
}

bool tlsd_openssl_valid_token(const char *tok)
{
    if (!*tok || strlen(tok) > 100 || !cipherstring_chars(tok))
        return false;
    while (*tok == '!' || *tok == '-' || *tok == '+')
        tok++;
    if (!*tok)
        return false;
    if (strncmp(tok, "@STRENGTH", 9) == 0 || strncmp(tok, "@SECLEVEL=", 10) == 0)
        return true;
    /* One context serves every check: creating one per token would cost
     * more than the rest of list parsing together. */
    pthread_once(&probe_once, make_probe);
    if (!probe_ctx)
        return false;
    pthread_mutex_lock(&probe_lock);
    bool ok = SSL_CTX_set_cipher_list(probe_ctx, tok) == 1;
    ERR_clear_error();
    pthread_mutex_unlock(&probe_lock);
    return ok;
}

/* Called with probe_lock held. */
static int expand_locked(const char *cipherstr, uint32_t **codes, char *err, size_t errlen)
{
    /* TLS 1.3 suites are set apart in libssl (SSL_CTX_set_ciphersuites); a
     * cipher string never selects them, so leave them out of the result. */
    SSL_CTX_set_ciphersuites(probe_ctx, "");
    if (SSL_CTX_set_cipher_list(probe_ctx, cipherstr) != 1) {
        snprintf(err, errlen, "the local OpenSSL (%s) selects no cipher suite from this string",
                 OpenSSL_version(OPENSSL_VERSION));
        return -1;
    }
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(probe_ctx);
    int n = sk_SSL_CIPHER_num(sk);
    *codes = calloc(n > 0 ? (size_t)n : 1, sizeof **codes);
    if (!*codes) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++)
        (*codes)[i] = SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(sk, i));
    return n;
}

int tlsd_openssl_expand(const char *cipherstr, uint32_t **codes, char *err, size_t errlen)
{
    *codes = NULL;
    /* The one shared context again (locked): a new SSL_CTX per string loads the
     * providers' group and signature tables each time, most of a list's parse. */
    pthread_once(&probe_once, make_probe);
    if (!probe_ctx) {
        snprintf(err, errlen, "libssl: cannot create a context");
        return -1;
    }
    pthread_mutex_lock(&probe_lock);
    int n = expand_locked(cipherstr, codes, err, errlen);
    ERR_clear_error();
    pthread_mutex_unlock(&probe_lock);
    return n;
}

uint16_t tlsd_openssl_negotiated_group(void *ssl)
{
    int nid = SSL_get_negotiated_group(ssl);
    /* SSL_group_to_name gives the TLS name (secp256r1), not the curve's (prime256v1). */
    const char *name = nid > 0 ? SSL_group_to_name(ssl, nid) : NULL;
    const struct tlsd_group *g = name ? tlsd_group_by_name(name) : NULL;
    return g ? g->code : 0;
}
