/* JA3/JA3S and JA4/JA4S from parsed hellos. */
#include "tlsdiag/fingerprint.h"
#include "base/hash_internal.h"
#include "base/memo_internal.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "tlsdiag/registry.h"

/* ---- JA3 (https://github.com/salesforce/ja3, README) --------------------- */

static const char hexdig[] = "0123456789abcdef";

/* Fingerprints are computed for every hello of a capture: a context keeps the digests
 * fetched once (an implicit fetch per call takes the provider store's locks), one digest
 * context reused (EVP_Digest would allocate and free one, and the provider's state behind
 * it, for every fingerprint) and two memos, as a capture holds thousands of hellos from a
 * handful of client and server builds: digests by input string, JA4 by its inputs (below).
 * Numbers are formatted by hand rather than through printf. */
#define DIGEST_SLOTS   64
#define DIGEST_INPUT   512
#define JA4_MEMO_SLOTS 32
#define JA4_KEY_MAX    1024

struct tlsd_fp_ctx {
    EVP_MD *md5, *sha256;
    EVP_MD_CTX *ctx;
    struct tlsd_memo digests, ja4;
};

/* A remembered digest (the memo's value). */
struct digest_memo {
    const EVP_MD *md;
    unsigned int dl;
    unsigned char d[EVP_MAX_MD_SIZE];
};

struct tlsd_fp_ctx *tlsd_fp_ctx_new(void)
{
    struct tlsd_fp_ctx *fp = calloc(1, sizeof *fp);
    if (!fp)
        return NULL;
    fp->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    fp->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    fp->ctx = EVP_MD_CTX_new();
    /* A memo that could not be allocated remembers nothing: slower, same answers. */
    (void)tlsd_memo_init(&fp->digests, DIGEST_SLOTS, DIGEST_INPUT, sizeof(struct digest_memo));
    (void)tlsd_memo_init(&fp->ja4, JA4_MEMO_SLOTS, JA4_KEY_MAX, TLSD_JA4_LEN + 1);
    return fp;
}

void tlsd_fp_ctx_free(struct tlsd_fp_ctx *fp)
{
    if (!fp)
        return;
    EVP_MD_free(fp->md5);
    EVP_MD_free(fp->sha256);
    EVP_MD_CTX_free(fp->ctx);
    tlsd_memo_free(&fp->digests);
    tlsd_memo_free(&fp->ja4);
    free(fp);
}

static const EVP_MD *md_md5(const struct tlsd_fp_ctx *fp)
{
    return fp && fp->md5 ? fp->md5 : EVP_md5();
}

static const EVP_MD *md_sha256(const struct tlsd_fp_ctx *fp)
{
    return fp && fp->sha256 ? fp->sha256 : EVP_sha256();
}

static bool digest_once(struct tlsd_fp_ctx *fp, const EVP_MD *md, const char *s, size_t len,
                        unsigned char *d, unsigned int *dl)
{
    if (!fp || !fp->ctx)
        return EVP_Digest(s, len, d, dl, md, NULL) == 1;
    return EVP_DigestInit_ex2(fp->ctx, md, NULL) == 1 && EVP_DigestUpdate(fp->ctx, s, len) == 1 &&
           EVP_DigestFinal_ex(fp->ctx, d, dl) == 1;
}

static bool digest_memo(struct tlsd_fp_ctx *fp, const EVP_MD *md, const char *s, size_t len,
                        unsigned char *d, unsigned int *dl)
{
    uint64_t h = tlsd_hash_bytes(s, len);
    struct digest_memo *m = fp ? tlsd_memo_get(&fp->digests, h, s, len, NULL) : NULL;
    if (!m || m->md != md) {
        if (!digest_once(fp, md, s, len, d, dl))
            return false;
        m = fp ? tlsd_memo_put(&fp->digests, h, s, len, sizeof *m) : NULL;
        if (m) {
            *m = (struct digest_memo){.md = md, .dl = *dl};
            memcpy(m->d, d, *dl);
        }
        return true;
    }
    memcpy(d, m->d, m->dl);
    *dl = m->dl;
    return true;
}

static void hex_digest(struct tlsd_fp_ctx *fp, const EVP_MD *md, const char *s, size_t len,
                       char *out, size_t hexlen)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!md || !digest_memo(fp, md, s, len, d, &dl))
        dl = 0;
    size_t i = 0;
    for (; i < dl && 2 * i + 2 < hexlen + 1 && 2 * i + 1 < hexlen; i++) {
        out[2 * i] = hexdig[d[i] >> 4];
        out[2 * i + 1] = hexdig[d[i] & 15];
    }
    out[2 * i < hexlen ? 2 * i : hexlen - 1] = '\0';
}

/* Fingerprint strings are written into a buffer sized beforehand, through a local
 * cursor: a hundred 2- to 6-byte pieces per hello, each appended through a growable
 * buffer (a call, a bounds check and a memcpy each), cost more than the digests. */

/* sep (unless 0) and v in decimal, at o; returns the end. */
static char *put_dec(char *o, char sep, unsigned v)
{
    char tmp[10];
    size_t n = 0;
    if (sep)
        *o++ = sep;
    do
        tmp[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        *o++ = tmp[--n];
    return o;
}

/* sep (unless 0) and v as 4 lower-case hex digits, at o; returns the end. */
static char *put_hex4(char *o, char sep, unsigned v)
{
    if (sep)
        *o++ = sep;
    o[0] = hexdig[(v >> 12) & 15];
    o[1] = hexdig[(v >> 8) & 15];
    o[2] = hexdig[(v >> 4) & 15];
    o[3] = hexdig[v & 15];
    return o + 4;
}

/* The non-GREASE values joined by '-' (at most 9 bytes each). */
static char *ja3_list(char *o, const void *vals, size_t n, size_t width)
{
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = width == 4   ? ((const uint32_t *)vals)[i]
                     : width == 2 ? ((const uint16_t *)vals)[i]
                                  : ((const uint8_t *)vals)[i];
        if (width != 1 && tlsd_is_grease(v))
            continue;
        o = put_dec(o, k++ ? '-' : 0, (unsigned)v);
    }
    return o;
}

static char *ja3_exts(char *o, const struct tlsd_ext *exts, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (!tlsd_is_grease(exts[i].type))
            o = put_dec(o, k++ ? '-' : 0, exts[i].type);
    return o;
}

int tlsd_ja3(struct tlsd_fp_ctx *fp, const struct tlsd_client_hello *ch, struct tlsd_ja3 *out)
{
    memset(out, 0, sizeof *out);
    /* 8 digits and a separator per suite (SSLv2 kinds are 24-bit), 5 + 1 per 16-bit
     * value, 3 + 1 per point format, the version, four commas and the terminator. */
    size_t bound =
        16 + 9 * ch->n_suites + 6 * (ch->n_exts + ch->n_groups) + 4 * ch->n_ec_point_formats;
    char *s = malloc(bound), *o = s;
    if (!s)
        return -1;
    o = put_dec(o, 0, ch->legacy_version);
    *o++ = ',';
    o = ja3_list(o, ch->suites, ch->n_suites, sizeof ch->suites[0]);
    *o++ = ',';
    o = ja3_exts(o, ch->exts, ch->n_exts);
    *o++ = ',';
    o = ja3_list(o, ch->groups, ch->n_groups, sizeof ch->groups[0]);
    *o++ = ',';
    o = ja3_list(o, ch->ec_point_formats, ch->n_ec_point_formats, 1);
    *o = '\0';
    out->full = s;
    hex_digest(fp, md_md5(fp), s, (size_t)(o - s), out->hash, sizeof out->hash);
    return 0;
}

int tlsd_ja3s(struct tlsd_fp_ctx *fp, const struct tlsd_server_hello *sh, struct tlsd_ja3 *out)
{
    memset(out, 0, sizeof *out);
    char *s = malloc(24 + 6 * sh->n_exts), *o = s;
    if (!s)
        return -1;
    o = put_dec(o, 0, sh->legacy_version);
    o = put_dec(o, ',', sh->suite);
    *o++ = ',';
    o = ja3_exts(o, sh->exts, sh->n_exts);
    *o = '\0';
    out->full = s;
    hex_digest(fp, md_md5(fp), s, (size_t)(o - s), out->hash, sizeof out->hash);
    return 0;
}

void tlsd_ja3_free(struct tlsd_ja3 *j)
{
    free(j->full);
    j->full = NULL;
}

/* ---- JA4 (FoxIO, technical_details/JA4.md, JA4S.md) ---------------------- */

static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case TLSD_VERSION_TLS1_3:
        return "13";
    case TLSD_VERSION_TLS1_2:
        return "12";
    case TLSD_VERSION_TLS1_1:
        return "11";
    case TLSD_VERSION_TLS1_0:
        return "10";
    case TLSD_VERSION_SSL3:
        return "s3";
    case TLSD_VERSION_SSL2:
        return "s2";
    case TLSD_VERSION_DTLS1_0:
        return "d1";
    case TLSD_VERSION_DTLS1_2:
        return "d2";
    case TLSD_VERSION_DTLS1_3:
        return "d3";
    default:
        return "00";
    }
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* SHA-256 of s, first 12 hex digits; "000000000000" for an empty list. */
static void ja4_hash(struct tlsd_fp_ctx *fp, const char *s, size_t len, char out[13])
{
    if (!len) {
        memcpy(out, "000000000000", 13);
        return;
    }
    char full[65];
    hex_digest(fp, md_sha256(fp), s, len, full, sizeof full);
    memcpy(out, full, 12);
    out[12] = '\0';
}

static bool alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN value; "00" when none; the
 * first and last hex digits when either byte is not alphanumeric. */
static void ja4_alpn(const uint8_t *p, size_t len, char out[3])
{
    if (!p || len == 0) {
        memcpy(out, "00", 3);
        return;
    }
    uint8_t first = p[0], last = p[len - 1];
    if (alnum(first) && alnum(last)) {
        out[0] = (char)first;
        out[1] = (char)last;
    } else {
        static const char hex[] = "0123456789abcdef";
        out[0] = hex[first >> 4];
        out[1] = hex[last & 0xF];
    }
    out[2] = '\0';
}

/* Sorted non-GREASE values as 4-digit lower-case hex, comma-joined, leaving out the codes
 * in skip[], at o (5 bytes per value at most); returns the end, or NULL when out of
 * memory. */
static char *sorted_hex(char *o, const uint16_t *v, size_t n, const uint16_t *skip, size_t nskip)
{
    uint16_t small[64];
    uint16_t *c = n <= 64 ? small : malloc(n * sizeof *c);
    if (!c)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool drop = tlsd_is_grease(v[i]);
        for (size_t j = 0; j < nskip; j++)
            drop = drop || v[i] == skip[j];
        if (!drop)
            c[k++] = v[i];
    }
    if (k > 64) {
        tlsd_qsort(c, k, sizeof *c, cmp_u16);
    } else { /* hello lists are short: no merge sort with its temporary buffer */
        for (size_t i = 1; i < k; i++) {
            uint16_t x = c[i];
            size_t j = i;
            for (; j > 0 && c[j - 1] > x; j--)
                c[j] = c[j - 1];
            c[j] = x;
        }
    }
    for (size_t i = 0; i < k; i++)
        o = put_hex4(o, i ? ',' : 0, c[i]);
    if (c != small)
        free(c);
    return o;
}

static size_t count_not_grease16(const uint16_t *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += !tlsd_is_grease(v[i]);
    return k;
}

/* The highest version offered: supported_versions without GREASE, else legacy_version. */
static uint16_t ja4_client_version(const struct tlsd_client_hello *ch)
{
    uint16_t lowest, highest;
    tlsd_client_hello_versions(ch, &lowest, &highest);
    return highest;
}

/* Lists up to this long are copied on the stack (a hello's are), longer ones malloc'd. */
#define JA4_SMALL 256

static void ja4_compute(struct tlsd_fp_ctx *fp, const struct tlsd_client_hello *ch,
                        enum tlsd_ja_transport t, char out[TLSD_JA4_LEN + 1])
{
    /* Suites and extension types as 16-bit lists (SSLv2 kinds cannot be
     * expressed in JA4; they are left out). */
    uint16_t suites_small[JA4_SMALL], exts_small[JA4_SMALL];
    uint16_t *suites =
        ch->n_suites < JA4_SMALL ? suites_small : malloc((ch->n_suites + 1) * sizeof *suites);
    uint16_t *exts = ch->n_exts < JA4_SMALL ? exts_small : malloc((ch->n_exts + 1) * sizeof *exts);
    size_t ns = 0;
    if (!suites || !exts) {
        if (suites != suites_small)
            free(suites);
        if (exts != exts_small)
            free(exts);
        snprintf(out, TLSD_JA4_LEN + 1, "%s", "out-of-memory");
        return;
    }
    for (size_t i = 0; i < ch->n_suites; i++)
        if (ch->suites[i] <= 0xFFFF)
            suites[ns++] = (uint16_t)ch->suites[i];
    for (size_t i = 0; i < ch->n_exts; i++)
        exts[i] = ch->exts[i].type;
    size_t n_s = count_not_grease16(suites, ns), n_e = count_not_grease16(exts, ch->n_exts);

    char alpn[3];
    ja4_alpn(ch->n_alpn ? ch->alpn[0].p : NULL, ch->n_alpn ? ch->alpn[0].len : 0, alpn);

    /* JA4_b: the sorted suites; JA4_c: sorted extensions without SNI (0x0000) and ALPN
     * (0x0010), then the signature algorithms in wire order after an underscore. */
    char bs[1024], cs[1024];
    size_t bmax = 5 * ns + 1, cmax = 5 * (ch->n_exts + ch->n_sigalgs) + 2;
    char *b = bmax <= sizeof bs ? bs : malloc(bmax), *c = cmax <= sizeof cs ? cs : malloc(cmax);
    char *be = b ? sorted_hex(b, suites, ns, NULL, 0) : NULL;
    static const uint16_t skip[] = {TLSD_EXT_SERVER_NAME,
                                    TLSD_EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION};
    char *ce = c ? sorted_hex(c, exts, ch->n_exts, skip, 2) : NULL;
    if (ce && ce > c && ch->has_sigalgs && ch->n_sigalgs > 0) {
        *ce++ = '_';
        int k = 0;
        for (size_t i = 0; i < ch->n_sigalgs; i++)
            if (!tlsd_is_grease(ch->sigalgs[i]))
                ce = put_hex4(ce, k++ ? ',' : 0, ch->sigalgs[i]);
    }
    char hb[13], hc[13];
    ja4_hash(fp, b ? b : "", be ? (size_t)(be - b) : 0, hb);
    ja4_hash(fp, c ? c : "", ce ? (size_t)(ce - c) : 0, hc);
    if (b != bs)
        free(b);
    if (c != cs)
        free(c);
    /* "%c%s%c%02zu%02zu%s_%s_%s", by hand: this runs for every ClientHello. */
    const char *ver = ja4_version(ja4_client_version(ch));
    n_s = n_s > 99 ? 99 : n_s;
    n_e = n_e > 99 ? 99 : n_e;
    char *o = out;
    *o++ = (char)t;
    *o++ = ver[0];
    *o++ = ver[1];
    *o++ = ch->server_name ? 'd' : 'i';
    *o++ = (char)('0' + n_s / 10);
    *o++ = (char)('0' + n_s % 10);
    *o++ = (char)('0' + n_e / 10);
    *o++ = (char)('0' + n_e % 10);
    *o++ = alpn[0];
    *o++ = alpn[1];
    *o++ = '_';
    memcpy(o, hb, 12);
    o += 12;
    *o++ = '_';
    memcpy(o, hc, 12);
    o[12] = '\0';
    if (suites != suites_small)
        free(suites);
    if (exts != exts_small)
        free(exts);
}

void tlsd_ja4s(struct tlsd_fp_ctx *fp, const struct tlsd_server_hello *sh, enum tlsd_ja_transport t,
               char out[TLSD_JA4S_LEN + 1])
{
    char bs[1024];
    size_t bmax = 5 * sh->n_exts + 1;
    char *b = bmax <= sizeof bs ? bs : malloc(bmax), *be = b;
    for (size_t i = 0; be && i < sh->n_exts; i++)
        be = put_hex4(be, i ? ',' : 0, sh->exts[i].type);
    char h[13], alpn[3];
    ja4_hash(fp, b ? b : "", b ? (size_t)(be - b) : 0, h);
    if (b != bs)
        free(b);
    ja4_alpn((const uint8_t *)sh->alpn, strlen(sh->alpn), alpn);
    uint16_t v = sh->has_supported_version ? sh->supported_version : sh->legacy_version;
    /* "%c%s%02zu%s_%04x_%s", by hand: this runs for every ServerHello. */
    const char *ver = ja4_version(v);
    size_t n_e = sh->n_exts > 99 ? 99 : sh->n_exts;
    char *o = out;
    *o++ = (char)t;
    *o++ = ver[0];
    *o++ = ver[1];
    *o++ = (char)('0' + n_e / 10);
    *o++ = (char)('0' + n_e % 10);
    *o++ = alpn[0];
    *o++ = alpn[1];
    o = put_hex4(o, '_', sh->suite);
    *o++ = '_';
    memcpy(o, h, 12);
    o[12] = '\0';
}

/* JA4 by its inputs, in the context's memo: a capture's hellos come from a handful of client
 * builds, and sorting, formatting and looking up the digests of their lists took 5% of analyze. The
 * key is everything ja4_compute reads (transport, the highest version offered, SNI or not, the ALPN
 * characters, the suites, extension types and signature algorithms); lists too long for the key, or
 * for ja4_compute's stack buffers, are not remembered. */
#define JA4_MEMO_LIST 64 /* sorted_hex sorts up to this many on the stack */

static uint8_t *key_put(uint8_t *k, const void *p, size_t n)
{
    if (n) /* p may be NULL for an absent list */
        memcpy(k, p, n);
    return k + n;
}

/* The key at k; its length, 0 when the hello is not remembered. */
static size_t ja4_key(const struct tlsd_client_hello *ch, enum tlsd_ja_transport t, uint8_t *k)
{
    size_t need = 32 + ch->n_suites * sizeof *ch->suites + ch->n_exts * sizeof(uint16_t) +
                  ch->n_sigalgs * sizeof *ch->sigalgs;
    if (need > JA4_KEY_MAX || ch->n_suites >= JA4_MEMO_LIST || ch->n_exts >= JA4_MEMO_LIST)
        return 0;
    char alpn[3];
    ja4_alpn(ch->n_alpn ? ch->alpn[0].p : NULL, ch->n_alpn ? ch->alpn[0].len : 0, alpn);
    uint16_t ver = ja4_client_version(ch);
    uint8_t flags[3] = {(uint8_t)t, ch->server_name != NULL, ch->has_sigalgs};
    uint32_t counts[3] = {(uint32_t)ch->n_suites, (uint32_t)ch->n_exts, (uint32_t)ch->n_sigalgs};
    uint8_t *o = k;
    o = key_put(o, flags, sizeof flags);
    o = key_put(o, alpn, 2);
    o = key_put(o, &ver, sizeof ver);
    o = key_put(o, counts, sizeof counts);
    o = key_put(o, ch->suites, ch->n_suites * sizeof *ch->suites);
    for (size_t i = 0; i < ch->n_exts; i++)
        o = key_put(o, &ch->exts[i].type, sizeof ch->exts[i].type);
    o = key_put(o, ch->sigalgs, ch->n_sigalgs * sizeof *ch->sigalgs);
    return (size_t)(o - k);
}

void tlsd_ja4(struct tlsd_fp_ctx *fp, const struct tlsd_client_hello *ch, enum tlsd_ja_transport t,
              char out[TLSD_JA4_LEN + 1])
{
    uint8_t key[JA4_KEY_MAX];
    size_t kl = fp ? ja4_key(ch, t, key) : 0;
    if (!kl) {
        ja4_compute(fp, ch, t, out);
        return;
    }
    uint64_t h = tlsd_hash_bytes(key, kl);
    const char *known = tlsd_memo_get(&fp->ja4, h, key, kl, NULL);
    if (known) {
        memcpy(out, known, TLSD_JA4_LEN + 1);
        return;
    }
    ja4_compute(fp, ch, t, out);
    /* Both digests made (a failed one leaves its part short): remembered. */
    char *m = NULL;
    if (strlen(out) == TLSD_JA4_LEN - 1 || strlen(out) == TLSD_JA4_LEN)
        m = tlsd_memo_put(&fp->ja4, h, key, kl, TLSD_JA4_LEN + 1);
    if (m)
        memcpy(m, out, TLSD_JA4_LEN + 1);
}
