/* The hello recorder of `tlsdiag serve`: a client's first bytes, in whatever chunks TCP
 * delivers them, through the codec's record reassembler until the first handshake
 * message is whole; that message must be a ClientHello (TLS, RFC 5246 7.4.1.2 /
 * RFC 8446 4.1.2, or SSLv2 CLIENT-HELLO, RFC 5246 E.2). The same bytes go to libssl
 * afterwards, unchanged. */
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/handshake.h"
#include "tlsdiag/serve.h"

void tlsd_hello_rec_init(struct tlsd_hello_rec *h)
{
    memset(h, 0, sizeof *h);
    tlsd_reasm_init(&h->r);
}

void tlsd_hello_rec_free(struct tlsd_hello_rec *h)
{
    tlsd_reasm_free(&h->r);
    free(h->raw);
    h->raw = NULL;
}

static enum tlsd_cerr fail(struct tlsd_err *err, enum tlsd_cerr code, const char *what)
{
    if (err->code == TLSD_CERR_OK) {
        err->code = code;
        err->what = what;
    }
    return code;
}

/* The first event decides: a ClientHello is parsed, anything else is refused. */
static enum tlsd_cerr first_event(const struct tlsd_event *ev, struct tlsd_client_hello *out,
                                  struct tlsd_err *err)
{
    if (ev->kind == TLSD_EV_SSL2) {
        if (ev->hs_type != 1)
            return fail(err, TLSD_CERR_UNEXPECTED, "SSLv2 message other than CLIENT-HELLO");
        return tlsd_client_hello_parse(ev->data, ev->len, true, out, err);
    }
    if (ev->kind != TLSD_EV_HANDSHAKE)
        return fail(err, TLSD_CERR_UNEXPECTED, "first record is not a handshake message");
    if (ev->hs_type != TLSD_HS_CLIENT_HELLO)
        return fail(err, TLSD_CERR_UNEXPECTED, "first handshake message is not a ClientHello");
    enum tlsd_cerr rc = tlsd_client_hello_parse(ev->data, ev->len, false, out, err);
    if (rc == TLSD_CERR_OK)
        out->record_version = ev->version;
    return rc;
}

enum tlsd_cerr tlsd_hello_rec_feed(struct tlsd_hello_rec *h, const uint8_t *data, size_t len,
                                   struct tlsd_client_hello *out, struct tlsd_err *err)
{
    memset(out, 0, sizeof *out);
    if (len > TLSD_HELLO_REC_MAX - h->fed)
        return fail(err, TLSD_CERR_MSG_TOO_LARGE, "first flight larger than the recorder keeps");
    uint8_t *raw = realloc(h->raw, h->fed + len + 1);
    if (!raw)
        return fail(err, TLSD_CERR_NOMEM, "buffering the first flight");
    h->raw = raw;
    if (len)
        memcpy(h->raw + h->fed, data, len);
    h->fed += len;
    enum tlsd_cerr rc = tlsd_reasm_feed(&h->r, data, len);
    if (rc != TLSD_CERR_OK)
        return fail(err, rc, "buffering the first flight");
    struct tlsd_event ev;
    rc = tlsd_reasm_next(&h->r, &ev);
    if (rc == TLSD_CERR_NEED_MORE)
        return rc;
    if (rc != TLSD_CERR_OK) {
        *err = h->r.err;
        return rc;
    }
    return first_event(&ev, out, err);
}
