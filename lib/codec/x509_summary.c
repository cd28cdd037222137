/* X.509 certificate summaries through libcrypto (see handshake.h). */
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "tlsdiag/textout.h"
#include "tlsdiag/x509_summary.h"

static void name_text(const X509_NAME *name, char *out, size_t len)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
        int n = BIO_read(b, out, (int)len - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

static time_t asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return tlsd_timegm(&tm);
}

static void san_text(const GENERAL_NAME *gn, char *buf, size_t len)
{
    const ASN1_STRING *s = NULL;
    const char *prefix = NULL;
    buf[0] = '\0';
    switch (gn->type) {
    case GEN_DNS:
        prefix = "DNS", s = gn->d.dNSName;
        break;
    case GEN_EMAIL:
        prefix = "email", s = gn->d.rfc822Name;
        break;
    case GEN_URI:
        prefix = "URI", s = gn->d.uniformResourceIdentifier;
        break;
    case GEN_IPADD: {
        char ip[INET6_ADDRSTRLEN] = "?";
        int n = ASN1_STRING_length(gn->d.iPAddress);
        const unsigned char *d = ASN1_STRING_get0_data(gn->d.iPAddress);
        if (n == 4 || n == 16)
            inet_ntop(n == 4 ? AF_INET : AF_INET6, d, ip, sizeof ip);
        snprintf(buf, len, "IP:%s", ip);
        return;
    }
    default:
        snprintf(buf, len, "other:%d", gn->type);
        return;
    }
    /* The name is the peer's bytes: escaped once here (control characters, ESC, bytes that
     * are not UTF-8, an embedded NUL), so every report, text or JSON, gets safe text. */
    int n = snprintf(buf, len, "%s:", prefix);
    if (n > 0 && (size_t)n < len)
        tlsd_text_escape((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s),
                         buf + n, len - (size_t)n);
}

static enum tlsd_cerr add_sans(X509 *x, struct tlsd_cert_summary *out)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (!gens)
        return TLSD_CERR_OK;
    int n = sk_GENERAL_NAME_num(gens);
    out->sans = calloc((size_t)(n > 0 ? n : 1), sizeof *out->sans);
    enum tlsd_cerr e = out->sans ? TLSD_CERR_OK : TLSD_CERR_NOMEM;
    for (int i = 0; e == TLSD_CERR_OK && i < n; i++) {
        char buf[300];
        san_text(sk_GENERAL_NAME_value(gens, i), buf, sizeof buf);
        out->sans[i] = strdup(buf);
        if (!out->sans[i])
            e = TLSD_CERR_NOMEM;
        else
            out->n_sans++;
    }
    GENERAL_NAMES_free(gens);
    return e;
}

static void key_info(X509 *x, struct tlsd_cert_summary *out)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    out->key_sig_alg = -1;
    if (!pk) {
        snprintf(out->key_type, sizeof out->key_type, "unknown");
        return;
    }
    const char *type = EVP_PKEY_get0_type_name(pk);
    int id = EVP_PKEY_get_base_id(pk);
    out->key_kind = id == EVP_PKEY_RSA   ? TLSD_CERT_RSA
                    : id == EVP_PKEY_EC  ? TLSD_CERT_ECDSA
                    : id == EVP_PKEY_DSA ? TLSD_CERT_DSA
                                         : TLSD_CERT_NONE;
    /* RFC 8446 4.2.3: an rsaEncryption key signs with rsa_pss_rsae_*, an RSASSA-PSS key
     * with rsa_pss_pss_*. */
    out->key_sig_alg = id == EVP_PKEY_RSA       ? TLSD_SIG_ALG_RSA_PSS_RSAE
                       : id == EVP_PKEY_RSA_PSS ? TLSD_SIG_ALG_RSA_PSS_PSS
                       : id == EVP_PKEY_EC      ? TLSD_SIG_ALG_ECDSA
                       : id == EVP_PKEY_ED25519 ? TLSD_SIG_ALG_ED25519
                       : id == EVP_PKEY_ED448   ? TLSD_SIG_ALG_ED448
                                                : -1;
    snprintf(out->key_type, sizeof out->key_type, "%s", type ? type : "unknown");
    out->key_bits = EVP_PKEY_get_bits(pk);
    size_t glen = 0;
    if (EVP_PKEY_get_group_name(pk, out->curve, sizeof out->curve, &glen) != 1)
        out->curve[0] = '\0';
}

enum tlsd_cerr tlsd_cert_summarize(const uint8_t *der, size_t len, struct tlsd_cert_summary *out)
{
    memset(out, 0, sizeof *out);
    out->key_sig_alg = -1;
    out->der = der;
    out->der_len = len;
    const unsigned char *p = der;
    X509 *x = len <= (size_t)0x7fffffff ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (!x || p != der + len) { /* not DER, or bytes after the certificate */
        X509_free(x);
        return TLSD_CERR_OK;
    }
    out->decoded = true;
    name_text(X509_get_subject_name(x), out->subject, sizeof out->subject);
    name_text(X509_get_issuer_name(x), out->issuer, sizeof out->issuer);
    out->self_signed = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
    const char *sig = OBJ_nid2ln(X509_get_signature_nid(x));
    snprintf(out->sig_alg, sizeof out->sig_alg, "%s", sig ? sig : "unknown");
    key_info(x, out);
    out->not_before = asn1_time(X509_get0_notBefore(x));
    out->not_after = asn1_time(X509_get0_notAfter(x));
    enum tlsd_cerr e = add_sans(x, out);
    X509_free(x);
    return e;
}

void tlsd_cert_summary_free(struct tlsd_cert_summary *c)
{
    for (size_t i = 0; i < c->n_sans; i++)
        free(c->sans[i]);
    free(c->sans);
    c->sans = NULL;
    c->n_sans = 0;
}
