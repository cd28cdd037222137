/* TLS found by content in one direction of a TCP stream (tlsdiag/stream_detect.h). */
#include "tlsdiag/stream_detect.h"

#include <stdlib.h>
#include <string.h>

void tlsd_sdir_init(struct tlsd_sdir *d)
{
    memset(d, 0, sizeof *d);
    d->state = TLSD_SDIR_PROBE;
}

static void drop_reasm(struct tlsd_sdir *d)
{
    if (d->state != TLSD_SDIR_TLS)
        return;
    d->resume_encrypted = d->rs.encrypted;
    d->resume_tls13 = d->rs.tls13;
    tlsd_reasm_free(&d->rs);
}

static void drop_probe(struct tlsd_sdir *d)
{
    free(d->probe);
    d->probe = NULL;
    d->probe_len = 0;
}

void tlsd_sdir_free(struct tlsd_sdir *d)
{
    drop_reasm(d);
    drop_probe(d);
    d->state = TLSD_SDIR_OFF;
}

size_t tlsd_sdir_bytes(const struct tlsd_sdir *d)
{
    return d->probe_len + tlsd_reasm_bytes(&d->rs);
}

bool tlsd_sdir_tls_at(const uint8_t *p, size_t left, bool at_start)
{
    if (left < 6 || p[1] != 3 || p[2] > 4)
        return false;
    if (at_start)
        return p[0] >= TLSD_CT_CHANGE_CIPHER_SPEC && p[0] <= TLSD_CT_APPLICATION_DATA;
    /* Further in (after a STARTTLS exchange) only a hello is convincing. */
    return p[0] == TLSD_CT_HANDSHAKE && (p[5] == 1 || p[5] == 2);
}

/* An SSLv2 CLIENT-HELLO (version 2, or 3.x when v2-compatible, RFC 5246 E.2) or
 * SERVER-HELLO (X.509 certificate, version 2). A high first bit alone is too weak: it
 * starts half of all binary streams. */
bool tlsd_sdir_ssl2_hello_at(const uint8_t *p, size_t left)
{
    if (left < 8 || !tlsd_record_looks_sslv2(p, left))
        return false;
    if (p[2] == 1)
        return (p[3] == 0 && p[4] == 2) || p[3] == 3;
    return p[2] == 4 && p[4] == 1 && p[5] == 0 && p[6] == 2;
}

static enum tlsd_cerr start_tls(struct tlsd_sdir *d, const uint8_t *p, size_t len)
{
    d->state = TLSD_SDIR_TLS;
    d->ever_tls = true;
    tlsd_reasm_init(&d->rs);
    if (d->resume_encrypted)
        tlsd_reasm_set_encrypted(&d->rs, d->resume_tls13);
    return tlsd_reasm_feed(&d->rs, p, len);
}

static enum tlsd_cerr probe(struct tlsd_sdir *d, const uint8_t *data, size_t len)
{
    /* The usual case, a direction that starts with a record (or an SSLv2 hello): straight
     * to the reassembler, without a copy into the probe buffer first. */
    if (d->probe_len == 0 &&
        (tlsd_sdir_ssl2_hello_at(data, len) || tlsd_sdir_tls_at(data, len, true)))
        return start_tls(d, data, len);
    uint8_t *np = realloc(d->probe, d->probe_len + len);
    if (!np)
        return TLSD_CERR_NOMEM;
    d->probe = np;
    memcpy(d->probe + d->probe_len, data, len);
    d->probe_len += len;
    enum tlsd_cerr e = TLSD_CERR_OK;
    if (tlsd_sdir_ssl2_hello_at(d->probe, d->probe_len)) {
        e = start_tls(d, d->probe, d->probe_len);
    } else {
        for (size_t i = 0; i < d->probe_len && d->state == TLSD_SDIR_PROBE; i++)
            if (tlsd_sdir_tls_at(d->probe + i, d->probe_len - i, i == 0)) {
                d->skipped += i;
                e = start_tls(d, d->probe + i, d->probe_len - i);
            }
    }
    if (d->state == TLSD_SDIR_PROBE && d->probe_len < TLSD_SDIR_PROBE_MAX)
        return e;
    if (d->state == TLSD_SDIR_PROBE) {
        d->skipped += d->probe_len;
        d->state = TLSD_SDIR_OFF;
    }
    drop_probe(d);
    return e;
}

enum tlsd_cerr tlsd_sdir_feed(struct tlsd_sdir *d, const uint8_t *data, size_t len)
{
    if (len == 0)
        return TLSD_CERR_OK;
    if (d->head_len < sizeof d->head) {
        size_t n = sizeof d->head - d->head_len < len ? sizeof d->head - d->head_len : len;
        memcpy(d->head + d->head_len, data, n);
        d->head_len += n;
    }
    enum tlsd_cerr e = TLSD_CERR_OK;
    if (d->state == TLSD_SDIR_PROBE)
        e = probe(d, data, len);
    else if (d->state == TLSD_SDIR_TLS)
        e = tlsd_reasm_feed(&d->rs, data, len);
    else
        d->skipped += len;
    if (e != TLSD_CERR_OK)
        tlsd_sdir_free(d);
    return e;
}

void tlsd_sdir_gap(struct tlsd_sdir *d)
{
    tlsd_sdir_free(d);
    d->state = TLSD_SDIR_PROBE;
}

enum tlsd_cerr tlsd_sdir_next(struct tlsd_sdir *d, struct tlsd_event *ev)
{
    if (d->state != TLSD_SDIR_TLS)
        return TLSD_CERR_NEED_MORE;
    enum tlsd_cerr e = tlsd_reasm_next(&d->rs, ev);
    if (e == TLSD_CERR_OK || e == TLSD_CERR_NEED_MORE)
        return e;
    /* Like tshark: after a malformed message inside intact records, carry on at the
     * next chunk (keeping the encryption state); after broken record framing the
     * stream is lost. */
    bool framing = e == TLSD_CERR_BAD_VERSION || e == TLSD_CERR_BAD_CONTENT_TYPE ||
                   e == TLSD_CERR_RECORD_TOO_LARGE;
    d->errors++;
    d->last_err = d->rs.err;
    drop_reasm(d);
    d->state = framing ? TLSD_SDIR_OFF : TLSD_SDIR_PROBE;
    return e;
}
