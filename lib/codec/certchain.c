/* The certificate-chain record and its one verifier (OpenSSL's X509_verify_cert). */
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/certchain.h"
#include "tlsdiag/target.h"

bool tlsd_cert_chain_add(struct tlsd_cert_chain *c, const uint8_t *der, size_t len)
{
    struct tlsd_cert_summary *v = realloc(c->certs, (c->n + 1) * sizeof *v);
    if (!v)
        return false;
    c->certs = v;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return false;
    memcpy(copy, der, len);
    struct tlsd_cert_summary *s = &c->certs[c->n];
    if (tlsd_cert_summarize(copy, len, s) != TLSD_CERR_OK || !s->decoded) {
        tlsd_cert_summary_free(s);
        free(copy);
        return false;
    }
    s->der = copy;
    c->n++;
    return true;
}

void tlsd_cert_chain_free(struct tlsd_cert_chain *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free((void *)c->certs[i].der);
        tlsd_cert_summary_free(&c->certs[i]);
    }
    free(c->certs);
    memset(c, 0, sizeof *c);
}

static X509 *to_x509(const struct tlsd_cert_summary *c)
{
    const unsigned char *p = c->der;
    return d2i_X509(NULL, &p, (long)c->der_len);
}

/* The subject of the certificate verification failed at: one the server sent, or
 * one from the trust store (then summarised here). */
static void name_failed_cert(struct tlsd_cert_chain *c, X509 *bad)
{
    if (c->verify_depth >= 0 && (size_t)c->verify_depth < c->n) {
        snprintf(c->verify_subject, sizeof c->verify_subject, "%s",
                 c->certs[c->verify_depth].subject);
        return;
    }
    unsigned char *der = NULL;
    int len = bad ? i2d_X509(bad, &der) : -1;
    struct tlsd_cert_summary sum;
    if (len > 0 && tlsd_cert_summarize(der, (size_t)len, &sum) == TLSD_CERR_OK) {
        snprintf(c->verify_subject, sizeof c->verify_subject, "%s", sum.subject);
        tlsd_cert_summary_free(&sum);
    }
    OPENSSL_free(der);
}

/* X509_verify_cert as libssl runs it for a client: the peer's chain as untrusted
 * certificates, checked for the TLS server purpose ("ssl_server"). */
static void verify_chain(struct tlsd_cert_chain *c, X509_STORE *store, X509 *leaf)
{
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!untrusted || !ctx)
        goto out;
    for (size_t i = 1; i < c->n; i++) {
        X509 *x = to_x509(&c->certs[i]);
        if (x && !sk_X509_push(untrusted, x))
            X509_free(x);
    }
    if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1 ||
        X509_STORE_CTX_set_default(ctx, "ssl_server") != 1)
        goto out;
    c->trusted = X509_verify_cert(ctx) == 1;
    if (!c->trusted) {
        snprintf(c->verify_error, sizeof c->verify_error, "%s",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        /* Name the certificate that failed: an expired intermediate is not the leaf. */
        c->verify_depth = X509_STORE_CTX_get_error_depth(ctx);
        name_failed_cert(c, X509_STORE_CTX_get_current_cert(ctx));
    }
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
}

static void check_name(struct tlsd_cert_chain *c, X509 *leaf, const char *name)
{
    if (!name || !*name)
        return;
    snprintf(c->checked_name, sizeof c->checked_name, "%s", name);
    c->name_matches = tlsd_host_is_ip(name) ? X509_check_ip_asc(leaf, name, 0) == 1
                                            : X509_check_host(leaf, name, 0, 0, NULL) == 1;
}

static X509_STORE *load_store(const char *cafile)
{
    X509_STORE *store = X509_STORE_new();
    if (store && (cafile ? X509_STORE_load_file(store, cafile) != 1
                         : X509_STORE_set_default_paths(store) != 1)) {
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

static void verify_in(struct tlsd_cert_chain *c, X509_STORE *store, const char *cafile,
                      const char *name)
{
    if (c->n == 0)
        return;
    c->checked = true;
    c->trusted = c->name_matches = false;
    c->verify_error[0] = c->verify_subject[0] = c->checked_name[0] = '\0';
    c->verify_depth = 0;
    X509 *leaf = to_x509(&c->certs[0]);
    if (!leaf)
        snprintf(c->verify_error, sizeof c->verify_error, "cannot decode the certificate");
    else if (!store)
        snprintf(c->verify_error, sizeof c->verify_error, "cannot load the trust store%s%s",
                 cafile ? " " : "", cafile ? cafile : "");
    else
        verify_chain(c, store, leaf);
    if (leaf)
        check_name(c, leaf, name);
    X509_free(leaf);
    ERR_clear_error();
}

void tlsd_cert_chains_verify(struct tlsd_cert_chain *const *chains, size_t n, const char *cafile,
                             const char *name)
{
    X509_STORE *store = NULL;
    for (size_t i = 0; i < n; i++) {
        if (chains[i]->n && !store)
            store = load_store(cafile);
        verify_in(chains[i], store, cafile, name);
    }
    X509_STORE_free(store);
}

void tlsd_cert_chain_verify(struct tlsd_cert_chain *c, const char *cafile, const char *name)
{
    tlsd_cert_chains_verify(&c, 1, cafile, name);
}
