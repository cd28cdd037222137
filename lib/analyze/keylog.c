/* Key logs and TLS 1.3 record decryption (tlsdiag/keylog.h). The NSS key log format: one
 * "LABEL <client_random hex> <secret hex>" a line, '#' comments. HKDF-Expand-Label (RFC
 * 8446 7.1) through libcrypto's HKDF in expand-only mode, the AEADs through EVP. */
#include "platform.h"

#include "tlsdiag/keylog.h"
#include "tlsdiag/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "tlsdiag/bytes.h"

#define RANDOM_LEN    32
#define IV_LEN        12 /* RFC 8446 5.3: the per-record nonce is as long as the iv */
#define AEAD_TAG      16
#define SEQ_LEN       8
#define RECORD_HEADER 5

static const char *const label_names[TLSD_KEYLOG_LABELS] = {
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0"};

struct entry {
    uint8_t random[RANDOM_LEN];
    uint8_t label;
    uint8_t len;
    uint8_t secret[TLSD_KEYLOG_MAX_SECRET];
};

struct tlsd_keylog {
    struct entry *e;
    size_t n, cap, randoms;
};

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Exactly n bytes of hex in s; false otherwise. */
static bool unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (slen != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static int cmp_entry(const void *x, const void *y)
{
    const struct entry *a = x, *b = y;
    int c = memcmp(a->random, b->random, RANDOM_LEN);
    return c ? c : (int)a->label - (int)b->label;
}

/* One line: its entry appended when it names a TLS 1.3 secret. */
static bool parse_line(struct tlsd_keylog *k, char *line)
{
    char *save = NULL, *label = strtok_r(line, " \t\r\n", &save);
    char *rnd = strtok_r(NULL, " \t\r\n", &save), *sec = strtok_r(NULL, " \t\r\n", &save);
    if (!label || !rnd || !sec || label[0] == '#')
        return true;
    int which = -1;
    for (int i = 0; i < TLSD_KEYLOG_LABELS; i++)
        if (strcmp(label, label_names[i]) == 0)
            which = i;
    struct entry e = {.label = (uint8_t)which};
    size_t slen = strlen(sec) / 2;
    if (which < 0 || slen > TLSD_KEYLOG_MAX_SECRET ||
        !unhex(rnd, strlen(rnd), e.random, RANDOM_LEN) || !unhex(sec, strlen(sec), e.secret, slen))
        return true; /* another label (TLS 1.2 CLIENT_RANDOM, ...) or a bad line */
    e.len = (uint8_t)slen;
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 64;
        struct entry *ne = realloc(k->e, nc * sizeof *ne);
        if (!ne)
            return false;
        k->e = ne;
        k->cap = nc;
    }
    k->e[k->n++] = e;
    return true;
}

struct tlsd_keylog *tlsd_keylog_load(const char *path, char *err, size_t errlen)
{
    FILE *f = tlsd_fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return NULL;
    }
    struct tlsd_keylog *k = calloc(1, sizeof *k);
    char *line = NULL;
    size_t cap = 0;
    bool ok = k != NULL;
    while (ok && tlsd_getline(&line, &cap, f) != -1)
        ok = parse_line(k, line);
    free(line);
    fclose(f);
    if (!ok || !k || !k->n) {
        snprintf(err, errlen, "%s: %s", path,
                 ok && k ? "no TLS 1.3 traffic secret in it" : "out of memory");
        tlsd_keylog_free(k);
        return NULL;
    }
    tlsd_qsort(k->e, k->n, sizeof *k->e, cmp_entry);
    for (size_t i = 0; i < k->n; i++)
        k->randoms += i == 0 || memcmp(k->e[i].random, k->e[i - 1].random, RANDOM_LEN) != 0;
    return k;
}

void tlsd_keylog_free(struct tlsd_keylog *k)
{
    if (!k)
        return;
    free(k->e);
    free(k);
}

size_t tlsd_keylog_count(const struct tlsd_keylog *k)
{
    return k ? k->randoms : 0;
}

size_t tlsd_keylog_secret(const struct tlsd_keylog *k, const uint8_t random[32],
                          enum tlsd_keylog_label label, uint8_t out[TLSD_KEYLOG_MAX_SECRET])
{
    if (!k)
        return 0;
    struct entry key = {.label = (uint8_t)label};
    memcpy(key.random, random, RANDOM_LEN);
    const struct entry *e = bsearch(&key, k->e, k->n, sizeof *k->e, cmp_entry);
    if (!e)
        return 0;
    memcpy(out, e->secret, e->len);
    return e->len;
}

/* ---- TLS 1.3 records ---- */

struct aead {
    uint16_t suite;
    const char *digest;
    size_t key_len;
    const EVP_CIPHER *(*cipher)(void);
};

/* RFC 8446 B.4 (the CCM suites are not read). */
static const struct aead aeads[] = {
    {TLSD_SUITE_TLS_AES_128_GCM_SHA256, "SHA256", 16, EVP_aes_128_gcm},
    {TLSD_SUITE_TLS_AES_256_GCM_SHA384, "SHA384", 32, EVP_aes_256_gcm},
    {TLSD_SUITE_TLS_CHACHA20_POLY1305_SHA256, "SHA256", 32, EVP_chacha20_poly1305},
};

static const struct aead *aead_of(uint16_t suite)
{
    for (size_t i = 0; i < sizeof aeads / sizeof aeads[0]; i++)
        if (aeads[i].suite == suite)
            return &aeads[i];
    return NULL;
}

/* RFC 8446 7.1: HKDF-Expand-Label(Secret, Label, "", Length). */
static bool expand_label(const char *digest, const uint8_t *secret, size_t slen, const char *label,
                         uint8_t *out, size_t len)
{
    static const char prefix[] = "tls13 ";
    struct tlsd_wr w = {0};
    tlsd_wr_u16(&w, (uint16_t)len);
    tlsd_wr_open_vec8(&w);
    tlsd_wr_bytes(&w, prefix, sizeof prefix - 1);
    tlsd_wr_bytes(&w, label, strlen(label));
    tlsd_wr_close_vec(&w);
    tlsd_wr_open_vec8(&w); /* empty context */
    tlsd_wr_close_vec(&w);
    uint8_t *info = NULL;
    size_t info_len = 0;
    if (tlsd_wr_take(&w, &info, &info_len) != TLSD_CERR_OK)
        return false;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, info_len),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode), OSSL_PARAM_construct_end()};
    bool ok = ctx && EVP_KDF_derive(ctx, out, len, params) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    free(info);
    return ok;
}

bool tlsd_tls13_dec_init(struct tlsd_tls13_dec *d, uint16_t suite, const uint8_t *secret,
                         size_t secret_len)
{
    memset(d, 0, sizeof *d);
    const struct aead *a = aead_of(suite);
    if (!a || !expand_label(a->digest, secret, secret_len, "key", d->key, a->key_len) ||
        !expand_label(a->digest, secret, secret_len, "iv", d->iv, IV_LEN))
        return false;
    d->suite = suite;
    d->key_len = a->key_len;
    d->ready = true;
    return true;
}

bool tlsd_tls13_decrypt(struct tlsd_tls13_dec *d, uint8_t rtype, uint16_t version,
                        const uint8_t *body, size_t len, uint8_t *out, size_t *out_len,
                        uint8_t *type)
{
    const struct aead *a = d->ready ? aead_of(d->suite) : NULL;
    if (!a || len <= AEAD_TAG || len > INT32_MAX)
        return false;
    uint8_t nonce[IV_LEN], aad[RECORD_HEADER] = {rtype, (uint8_t)(version >> 8), (uint8_t)version,
                                                 (uint8_t)(len >> 8), (uint8_t)len};
    memcpy(nonce, d->iv, IV_LEN); /* RFC 8446 5.3: iv XOR the sequence number */
    for (int i = 0; i < SEQ_LEN; i++)
        nonce[IV_LEN - 1 - i] ^= (uint8_t)(d->seq >> (8 * i));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    size_t ct = len - AEAD_TAG;
    bool ok = ctx && EVP_DecryptInit_ex(ctx, a->cipher(), NULL, d->key, nonce) == 1 &&
              EVP_DecryptUpdate(ctx, NULL, &n, aad, sizeof aad) == 1 &&
              EVP_DecryptUpdate(ctx, out, &n, body, (int)ct) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG, (void *)(body + ct)) == 1 &&
              EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return false;
    d->seq++;
    size_t m = (size_t)n + (size_t)fin;
    while (m && out[m - 1] == 0) /* RFC 8446 5.4: zero padding after the type */
        m--;
    if (!m)
        return false;
    *type = out[m - 1];
    *out_len = m - 1;
    return true;
}
