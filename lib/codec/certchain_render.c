/* The certificate-chain record (certchain.h) as text and as JSON: one renderer per
 * format, shared by scan and connect. */
#include <stdio.h>
#include <time.h>

#include "platform.h"

#include "tlsdiag/certchain.h"
#include "tlsdiag/json.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/textout.h"

/* ---- text ----------------------------------------------------------------------------- */

static void date_text(struct tlsd_strbuf *b, const char *label, time_t t)
{
    char buf[32];
    struct tm tm;
    tlsd_gmtime(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    tlsd_sb_printf(b, "%s%s", label, buf);
}

void tlsd_cert_chain_text(const struct tlsd_cert_chain *c, const char *indent,
                          struct tlsd_strbuf *b)
{
    time_t now = time(NULL);
    for (size_t k = 0; k < c->n; k++) {
        const struct tlsd_cert_summary *x = &c->certs[k];
        tlsd_sb_printf(b, "%s[%zu] %s\n%s    issuer %s\n%s    key %s %d%s%s%s, ", indent, k + 1,
                       x->subject, indent, x->issuer, indent, x->key_type, x->key_bits,
                       x->curve[0] ? " (" : "", x->curve, x->curve[0] ? ")" : "");
        date_text(b, "not before ", x->not_before);
        date_text(b, ", not after ", x->not_after);
        tlsd_sb_printf(b, "%s\n",
                       x->not_after < now    ? "  EXPIRED"
                       : x->not_before > now ? "  NOT YET VALID"
                                             : "");
    }
}

void tlsd_cert_chain_failure_text(const struct tlsd_cert_chain *c, struct tlsd_strbuf *b)
{
    tlsd_sb_puts(b, c->verify_error);
    if (!c->trusted && c->verify_subject[0])
        tlsd_sb_printf(b, " (at %s, chain position %d)", c->verify_subject, c->verify_depth + 1);
}

/* ---- JSON (docs/scan-json.md, docs/serve-json.md) ---------------------------------------- */

static json_t *date_json(time_t t)
{
    char buf[TLSD_TIME_LEN];
    return tlsd_time_utc((int64_t)t * 1000000, false, buf, sizeof buf) ? json_string(buf)
                                                                       : json_null();
}

json_t *tlsd_cert_summary_to_json(const struct tlsd_cert_summary *x)
{
    json_t *sans = json_array();
    for (size_t k = 0; k < x->n_sans; k++)
        json_array_append_new(sans, json_string(x->sans[k]));
    json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:i, s:s, s:I, s:I}", "subject", x->subject,
                          "issuer", x->issuer, "sans", sans, "key_type", x->key_type, "key_bits",
                          x->key_bits, "signature", x->sig_alg, "not_before",
                          (json_int_t)x->not_before, "not_after", (json_int_t)x->not_after);
    if (!o)
        return NULL;
    json_object_set_new(o, "not_before_time", date_json(x->not_before));
    json_object_set_new(o, "not_after_time", date_json(x->not_after));
    json_object_set_new(o, "self_signed", json_boolean(x->self_signed));
    return o;
}

json_t *tlsd_cert_chain_to_json(const struct tlsd_cert_chain *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < c->n; i++)
        json_array_append_new(a, tlsd_cert_summary_to_json(&c->certs[i]));
    return a;
}

void tlsd_cert_chain_verify_json(json_t *o, const struct tlsd_cert_chain *c)
{
    if (!o)
        return;
    json_object_set_new(o, "trusted", json_boolean(c->trusted));
    json_object_set_new(o, "verify_error", json_string(c->verify_error));
    json_object_set_new(o, "name_matches", json_boolean(c->name_matches));
    json_object_set_new(o, "checked_name", json_string(c->checked_name));
    if (!c->trusted && c->verify_subject[0])
        json_object_set_new(
            o, "verify_failed_at",
            json_pack("{s:s, s:i}", "subject", c->verify_subject, "depth", c->verify_depth));
}
