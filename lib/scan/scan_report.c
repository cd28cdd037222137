/* After the probes: certificate verification, findings, JSON, freeing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform.h"

#include "scan/scan_internal.h"
#include "tlsdiag/json.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */
#include "tlsdiag/target.h"
#include "tlsdiag/textout.h"

void scan_verify_certs(struct tlsd_scan_result *r, const char *cafile, const char *host)
{
    struct tlsd_cert_chain **v = calloc(r->n_certs ? r->n_certs : 1, sizeof *v);
    for (size_t i = 0; v && i < r->n_certs; i++)
        v[i] = &r->certs[i].chain;
    if (v) /* else out of memory: the chains stay unchecked (checked false) */
        tlsd_cert_chains_verify(v, r->n_certs, cafile, host);
    free(v);
}

/* The key types scan measures signature schemes for, as the suites' authentication
 * (here, with the report that names them, so that the report needs nothing of the engine). */
const enum tlsd_auth tlsd_scan_key_auth[TLSD_SCAN_NKEYS] = {TLSD_AUTH_RSA, TLSD_AUTH_ECDSA,
                                                            TLSD_AUTH_DSS};

const char *tlsd_scan_refusal_text(const struct tlsd_scan_refusal *f, char *buf, size_t len)
{
    char vb[16], a[120];
    const char *v = tlsd_version_str(f->version, vb);
    switch (f->kind) {
    case TLSD_REFUSAL_NONE:
        snprintf(buf, len, "%s", "");
        break;
    case TLSD_REFUSAL_ALERT:
        tlsd_alert_describe(f->alert_level, f->alert, a, sizeof a);
        snprintf(buf, len, "alert %s", a);
        break;
    case TLSD_REFUSAL_OTHER_VERSION:
        snprintf(buf, len, "answered with %s%s", f->hrr ? "a HelloRetryRequest for " : "", v);
        break;
    case TLSD_REFUSAL_TLS_TO_SSL2:
        snprintf(buf, len, "answered with a TLS %s (%s)",
                 f->hrr ? "HelloRetryRequest" : "ServerHello", v);
        break;
    case TLSD_REFUSAL_NOTHING_PICKED:
        snprintf(buf, len, "accepted (%s)", v);
        break;
    case TLSD_REFUSAL_HRR_LOOP:
        snprintf(buf, len,
                 "unknown: the server answers every ClientHello with a "
                 "HelloRetryRequest, the retried one too");
        break;
    case TLSD_REFUSAL_UNDECIDED:
        snprintf(buf, len, "unknown: %.140s", f->error);
        break;
    case TLSD_REFUSAL_ENDED: /* the ending's words, as every JSON document spells them */
        snprintf(buf, len, "%s%s%.140s",
                 f->detail != TLSD_DETAIL_NONE ? tlsd_ending_detail_name(f->detail)
                                               : tlsd_conn_outcome_name(f->ending),
                 f->error[0] ? ": " : "", f->error);
        break;
    }
    return buf;
}

/* DH primes: below 2048 bits is weak (NIST SP 800-57, RFC 7919 offers 2048 at least),
 * below 1024 broken (Logjam). */
#define TLSD_MIN_DH_BITS    2048
#define TLSD_BROKEN_DH_BITS 1024

static void finding(struct tlsd_scan_result *r, enum tlsd_class c, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 3, 4)));
static void finding(struct tlsd_scan_result *r, enum tlsd_class c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    struct tlsd_scan_finding *f = realloc(r->findings, (r->n_findings + 1) * sizeof *f);
    if (!f)
        return;
    r->findings = f;
    f[r->n_findings].cls = c;
    f[r->n_findings].text = strdup(buf);
    if (f[r->n_findings].text)
        r->n_findings++;
}

static int by_class(const void *a, const void *b)
{
    const struct tlsd_scan_finding *x = a, *y = b;
    return (int)x->cls - (int)y->cls;
}

/* One DH finding per server, naming the group each kind of client gets: a server may
 * answer the RFC 7919 groups with a 2048-bit prime and everyone else with its own
 * (often 1024-bit) parameters. */
static void dh_findings(struct tlsd_scan_result *r)
{
    int plain = r->dh_bits_no_ffdhe, ffdhe = r->dh_bits_ffdhe;
    enum tlsd_class c = TLSD_CLASS_WEAK;
    if (plain && plain < TLSD_MIN_DH_BITS) {
        char also[96] = "";
        if (ffdhe && ffdhe != plain)
            snprintf(also, sizeof also, "; clients that offer them get %d bits", ffdhe);
        finding(r, plain < TLSD_BROKEN_DH_BITS ? TLSD_CLASS_INSECURE : c,
                "DHE: clients that do not offer the RFC 7919 groups (most TLS 1.2 clients, "
                "printers) get a %d-bit DH group (below %d)%s",
                plain, TLSD_MIN_DH_BITS, also);
    } else if (ffdhe && ffdhe < TLSD_MIN_DH_BITS) {
        finding(r, ffdhe < TLSD_BROKEN_DH_BITS ? TLSD_CLASS_INSECURE : c,
                "DHE uses a %d-bit DH group (below %d)", ffdhe, TLSD_MIN_DH_BITS);
    }
}

/* What the versions mean together: no TLS 1.2 nor 1.3 (every current client needs one
 * of them, RFC 8996), no TLS 1.3, and CBC suites at SSL 3.0 / TLS 1.0, whose records
 * use the previous record's last block as IV (BEAST, CVE-2011-3389; TLS 1.1 fixed it,
 * RFC 4346 1.1). */
static void version_findings(struct tlsd_scan_result *r, bool any)
{
    const struct tlsd_scan_version *v = r->versions;
    char vb[16];
    if (!any)
        return;
    if (v[TLSD_PROTO_TLS13].undecided ||
        (!v[TLSD_PROTO_TLS13].accepted && v[TLSD_PROTO_TLS12].undecided))
        ; /* not known: nothing to say about what is missing */
    else if (!v[TLSD_PROTO_TLS12].accepted && !v[TLSD_PROTO_TLS13].accepted)
        finding(r, TLSD_CLASS_INSECURE,
                "no TLS 1.2 and no TLS 1.3: clients that follow RFC 8996 (current browsers, "
                "OpenSSL 3 at its default security level, Windows with TLS 1.0/1.1 disabled) "
                "cannot connect");
    else if (!v[TLSD_PROTO_TLS13].accepted)
        finding(r, TLSD_CLASS_WEAK, "TLS 1.3 is not enabled");
    for (int i = TLSD_PROTO_SSL3; i <= TLSD_PROTO_TLS10; i++) {
        size_t cbc = 0;
        for (size_t k = 0; k < v[i].n_suites; k++)
            cbc += tlsd_suite_cipher_is(v[i].suites[k].code, TLSD_CIPHERF_CBC);
        if (cbc) /* a count from an incomplete scan is a lower bound */
            finding(r, TLSD_CLASS_WEAK,
                    "%s%zu CBC suite%s at %s: predictable record IVs (BEAST, CVE-2011-3389)",
                    r->n_undecided ? "at least " : "", cbc, cbc == 1 ? "" : "s",
                    tlsd_version_str(v[i].version, vb));
    }
}

void scan_findings(struct tlsd_scan_result *r)
{
    char vb[16];
    bool any = false;
    for (int i = 0; i < TLSD_PROTO_COUNT; i++) {
        const struct tlsd_scan_version *v = &r->versions[i];
        if (!v->accepted)
            continue;
        any = true;
        const struct tlsd_version *ver = tlsd_version_by_code(v->version);
        if (ver && ver->cls <= TLSD_CLASS_WEAK)
            finding(r, ver->cls, "%s is enabled (%s)", tlsd_version_str(v->version, vb),
                    ver->cls == TLSD_CLASS_INSECURE ? "broken: RFC 6176 / RFC 7568"
                                                    : "deprecated: RFC 8996");
        for (size_t k = 0; k < v->n_suites; k++) {
            const struct tlsd_suite *s = tlsd_suite_by_code(v->suites[k].code);
            if (s && s->cls <= TLSD_CLASS_WEAK)
                finding(r, s->cls, "%s %s: %s", tlsd_version_str(v->version, vb), s->iana_name,
                        s->class_reason);
        }
    }
    dh_findings(r);
    /* A version the server speaks elsewhere but refuses with handshake_failure
     * for every suite: typically suites that do not fit the certificate (an
     * RSA certificate while only ECDSA suites are enabled, or the reverse). */
    for (int i = TLSD_PROTO_TLS12; i <= TLSD_PROTO_TLS12 && any; i++) {
        const struct tlsd_scan_version *v = &r->versions[i];
        if (!v->accepted && v->refusal.kind == TLSD_REFUSAL_ALERT &&
            v->refusal.alert == TLSD_ALERT_HANDSHAKE_FAILURE)
            finding(r, TLSD_CLASS_WEAK,
                    "%s is refused with handshake_failure for every suite although the server "
                    "speaks TLS: its %s suites may not fit its certificate type (e.g. an RSA "
                    "certificate while only ECDSA suites are enabled)",
                    tlsd_version_str(v->version, vb), tlsd_version_str(v->version, vb));
    }
    for (size_t i = 0; i < r->n_certs; i++) {
        const struct tlsd_scan_cert *c = &r->certs[i];
        bool rsa = c->chain.certs[0].key_kind == TLSD_CERT_RSA;
        for (size_t k = 0; k < c->n_suites; k++) {
            const struct tlsd_suite *s = tlsd_suite_by_code(c->suites[k]);
            if (s && ((rsa && s->cert == TLSD_CERT_ECDSA) || (!rsa && s->cert == TLSD_CERT_RSA)))
                finding(r, TLSD_CLASS_INSECURE,
                        "%s was served with a %s certificate, which it cannot use (a broken "
                        "server)",
                        s->iana_name, c->label);
        }
    }
    if (!any && !r->error[0])
        finding(r, TLSD_CLASS_INSECURE,
                "the server accepted no protocol version and no cipher suite that was offered");
    version_findings(r, any);
    time_t now = time(NULL);
    for (size_t i = 0; i < r->n_certs; i++) {
        const struct tlsd_scan_cert *c = &r->certs[i];
        const struct tlsd_cert_chain *ch = &c->chain;
        const struct tlsd_cert_summary *l = &ch->certs[0];
        if (!ch->trusted && ch->verify_depth > 0 && ch->verify_subject[0])
            finding(r, TLSD_CLASS_INSECURE,
                    "certificate chain of %s (%s) does not verify: %s (chain position %d, "
                    "not the leaf): %s",
                    l->subject, c->label, ch->verify_subject, ch->verify_depth + 1,
                    ch->verify_error);
        else if (!ch->trusted)
            finding(r, TLSD_CLASS_INSECURE, "certificate %s (%s) does not verify: %s", l->subject,
                    c->label, ch->verify_error);
        if (!ch->name_matches)
            finding(r, TLSD_CLASS_INSECURE, "certificate %s does not cover the host name",
                    l->subject);
        if (l->not_after < now)
            finding(r, TLSD_CLASS_INSECURE, "certificate %s has expired", l->subject);
        if (l->not_before > now)
            finding(r, TLSD_CLASS_INSECURE, "certificate %s is not valid yet", l->subject);
        if (l->key_kind == TLSD_CERT_RSA && l->key_bits < 2048)
            finding(r, TLSD_CLASS_INSECURE, "certificate key RSA %d bits is too short",
                    l->key_bits);
    }
    if (r->secure_renegotiation == TLSD_NO)
        finding(r, TLSD_CLASS_INSECURE, "no secure renegotiation (RFC 5746)");
    if (r->sni_selects_cert == TLSD_YES)
        finding(r, TLSD_CLASS_WEAK,
                "SNI required to get this certificate: clients that send no server_name (old "
                "printers, Java 6, Windows XP) get %s",
                r->no_sni_cert);
    if (r->client_reneg == TLSD_YES)
        finding(r, TLSD_CLASS_WEAK,
                "client-initiated renegotiation is allowed (each renegotiation costs the server "
                "a full handshake: a denial-of-service lever, CVE-2011-1473)");
    if (r->compression == TLSD_YES)
        finding(r, TLSD_CLASS_INSECURE, "TLS compression is enabled (CRIME)");
    if (r->fallback_scsv == TLSD_NO)
        finding(r, TLSD_CLASS_WEAK, "TLS_FALLBACK_SCSV is not honoured (RFC 7507)");
    if (r->large_hello_intolerant == TLSD_YES)
        finding(r, TLSD_CLASS_WEAK,
                "a large ClientHello is refused (old clients with many "
                "suites will fail)");
    if (r->needs_reneg_signal == TLSD_YES)
        finding(r, TLSD_CLASS_WEAK,
                "a TLS 1.2 hello without the renegotiation signal is refused (a Windows "
                "behaviour: old clients without RFC 5746 cannot connect)");
    if (r->n_findings > 1)
        tlsd_qsort(r->findings, r->n_findings, sizeof *r->findings, by_class);
}

void tlsd_scan_result_free(struct tlsd_scan_result *r)
{
    for (int i = 0; i < TLSD_PROTO_COUNT; i++)
        free(r->versions[i].suites);
    for (size_t i = 0; i < r->n_certs; i++) {
        tlsd_cert_chain_free(&r->certs[i].chain);
        free(r->certs[i].suites);
    }
    free(r->certs);
    for (size_t i = 0; i < r->n_findings; i++)
        free(r->findings[i].text);
    free(r->findings);
    free(r->groups);
    free(r->groups12);
    free(r->sigschemes);
    for (int k = 0; k < TLSD_SCAN_NKEYS; k++)
        free(r->sigschemes_by_key[k]);
    free(r->sigschemes13);
    for (size_t i = 0; i < r->n_undecided; i++)
        free(r->undecided[i]);
    free(r->undecided);
    memset(r, 0, sizeof *r);
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *tri(enum tlsd_tristate t)
{
    return t == TLSD_UNKNOWN ? json_null() : json_boolean(t == TLSD_YES);
}

static json_t *code16(uint32_t c)
{
    char b[12];
    return json_string(tlsd_suite_code_str(c, b));
}

static json_t *suite_json(const struct tlsd_scan_suite *x)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(x->code);
    const struct tlsd_group *g = x->group ? tlsd_group_by_code(x->group) : NULL;
    json_t *o = json_pack("{s:o, s:s, s:o, s:s}", "code", code16(x->code), "name",
                          s ? s->iana_name : "unknown", "openssl",
                          s && s->openssl_name ? json_string(s->openssl_name) : json_null(),
                          "class", s ? tlsd_class_name(s->cls) : "unknown");
    if (x->group)
        json_object_set_new(o, "group", json_string(g ? g->name : "unknown"));
    if (x->dh_bits)
        json_object_set_new(o, "dh_bits", json_integer(x->dh_bits));
    return o;
}

static json_t *cert_json(const struct tlsd_scan_cert *c)
{
    json_t *suites = json_array();
    for (size_t i = 0; i < c->n_suites; i++)
        json_array_append_new(suites, code16(c->suites[i]));
    json_t *o = json_pack("{s:s}", "key", c->label);
    tlsd_cert_chain_verify_json(o, &c->chain);
    json_object_set_new(o, "chain", tlsd_cert_chain_to_json(&c->chain));
    json_object_set_new(o, "suites", suites);
    return o;
}

/* Group (groups true) or signature scheme codes as a JSON array of registry names. */
static json_t *names_json(const uint16_t *v, size_t n, bool groups)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_group *g = groups ? tlsd_group_by_code(v[i]) : NULL;
        const struct tlsd_sigscheme *x = groups ? NULL : tlsd_sigscheme_by_code(v[i]);
        const char *name = g ? g->name : x ? x->name : "unknown";
        json_array_append_new(a, json_string(name));
    }
    return a;
}

/* {"code", "name"} of an alert, null for -1 (none). */
static json_t *alert_json(int code)
{
    const struct tlsd_alert *a = code >= 0 ? tlsd_alert_by_code(code) : NULL;
    return code >= 0 ? json_pack("{s:i, s:s}", "code", code, "name", a ? a->name : "unknown")
                     : json_null();
}

static json_t *client_cert_json(const struct tlsd_scan_result *r)
{
    char vb[16];
    json_t *cas = json_array();
    const char *p = r->client_cas;
    while (*p) {
        const char *end = strstr(p, "; ");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        json_array_append_new(cas, json_stringn(p, n));
        p += n + (end ? 2 : 0);
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "requested", tri(r->client_cert_requested),
                     "required", tri(r->client_cert_required), "version",
                     r->client_cert_version
                         ? json_string(tlsd_version_str(r->client_cert_version, vb))
                         : json_null(),
                     "refusal_alert", alert_json(r->client_cert_alert), "ca_names", cas);
}

json_t *tlsd_scan_result_json(const struct tlsd_scan_result *r)
{
    json_t *o = json_pack("{s:s, s:s, s:i}", "target", r->target->input, "host", r->target->host,
                          "port", r->target->port);
    json_object_set_new(o, "address", json_string(r->address));
    if (r->target->sni)
        json_object_set_new(o, "sni", json_string(r->target->sni));
    json_t *und = json_array();
    for (size_t i = 0; i < r->n_undecided; i++)
        json_array_append_new(und, json_string(r->undecided[i]));
    json_object_set_new(o, "incomplete", json_boolean(r->n_undecided > 0));
    json_object_set_new(o, "undecided", und);
    json_object_set_new(o, "resets_confirmed", json_integer(r->resets_confirmed));
    json_object_set_new(o, "probes_retried", json_integer(r->probes_retried));
    json_object_set_new(o, "suggested_per_target",
                        r->suggest_per_target ? json_integer(r->suggest_per_target) : json_null());
    if (r->error[0]) {
        json_object_set_new(o, "error", json_string(r->error));
        json_object_set_new(o, "ending",
                            r->ending_known ? json_string(tlsd_conn_outcome_name(r->ending))
                                            : json_null());
        return o;
    }
    json_t *vers = json_array();
    char vb[16];
    for (int i = 0; i < TLSD_PROTO_COUNT; i++) {
        const struct tlsd_scan_version *v = &r->versions[i];
        json_t *suites = json_array();
        for (size_t k = 0; k < v->n_suites; k++)
            json_array_append_new(suites, suite_json(&v->suites[k]));
        json_t *vo = json_pack("{s:s, s:o, s:o, s:o}", "version", tlsd_version_str(v->version, vb),
                               "accepted", v->undecided ? json_null() : json_boolean(v->accepted),
                               "server_order", tri(v->server_order), "suites", suites);
        json_object_set_new(vo, "chacha20_priority", tri(v->chacha_priority));
        char note[160];
        if (v->refusal.kind != TLSD_REFUSAL_NONE)
            json_object_set_new(
                vo, "note", json_string(tlsd_scan_refusal_text(&v->refusal, note, sizeof note)));
        /* The alert a TLS version's first hello got (SSLv2's is only in its note). */
        bool alert = v->refusal.kind == TLSD_REFUSAL_ALERT && v->version != TLSD_VERSION_SSL2;
        if (!v->accepted)
            json_object_set_new(vo, "alert", alert_json(alert ? v->refusal.alert : -1));
        json_array_append_new(vers, vo);
    }
    json_object_set_new(o, "versions", vers);
    json_t *groups = names_json(r->groups, r->n_groups, true);
    json_t *groups12 = names_json(r->groups12, r->n_groups12, true);
    json_t *sigs = names_json(r->sigschemes, r->n_sigschemes, false);
    json_t *sigs13 = names_json(r->sigschemes13, r->n_sigschemes13, false);
    json_t *certs = json_array(), *finds = json_array();
    for (size_t i = 0; i < r->n_certs; i++)
        json_array_append_new(certs, cert_json(&r->certs[i]));
    for (size_t i = 0; i < r->n_findings; i++)
        json_array_append_new(finds,
                              json_pack("{s:s, s:s}", "class", tlsd_class_name(r->findings[i].cls),
                                        "text", r->findings[i].text));
    json_object_set_new(o, "groups", groups);
    json_object_set_new(o, "groups_server_order", tri(r->groups_order));
    json_object_set_new(o, "groups_tls12", groups12);
    json_object_set_new(o, "groups_tls12_server_order", tri(r->groups12_order));
    if (r->groups12_version)
        json_object_set_new(o, "groups_tls12_version",
                            json_string(tlsd_version_str(r->groups12_version, vb)));
    json_object_set_new(o, "hello_retry_request", tri(r->hrr));
    json_object_set_new(o, "signature_schemes", sigs);
    json_t *by_key = json_object();
    for (int k = 0; k < TLSD_SCAN_NKEYS; k++)
        if (r->n_sigschemes_by_key[k])
            json_object_set_new(
                by_key, tlsd_auth_name(tlsd_scan_key_auth[k]),
                names_json(r->sigschemes_by_key[k], r->n_sigschemes_by_key[k], false));
    json_object_set_new(o, "signature_schemes_by_key", by_key);
    json_object_set_new(o, "signature_schemes_tls13", sigs13);
    json_object_set_new(o, "certificates", certs);
    json_object_set_new(
        o, "features",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:s, s:o, s:o, s:o}",
                  "secure_renegotiation", tri(r->secure_renegotiation), "fallback_scsv",
                  tri(r->fallback_scsv), "compression", tri(r->compression),
                  "extended_master_secret", tri(r->ems), "encrypt_then_mac", tri(r->etm),
                  "session_ticket", tri(r->session_ticket), "ocsp_stapling", tri(r->ocsp_stapling),
                  "alpn", r->alpn, "needs_sni", tri(r->needs_sni), "no_sni_answer",
                  r->no_sni_answer, "wrong_sni_answer", r->wrong_sni_answer,
                  "large_hello_intolerant", tri(r->large_hello_intolerant),
                  "refuses_tls12_without_renegotiation_signal", tri(r->needs_reneg_signal),
                  "tls13_hello_answered_with_tls12", tri(r->tls13_hello_answered_12)));
    json_object_set_new(
        o, "dhe",
        r->dh_bits_ffdhe || r->dh_bits_no_ffdhe
            ? json_pack("{s:o, s:o}", "bits_rfc7919_offered",
                        r->dh_bits_ffdhe ? json_integer(r->dh_bits_ffdhe) : json_null(),
                        "bits_rfc7919_not_offered",
                        r->dh_bits_no_ffdhe ? json_integer(r->dh_bits_no_ffdhe) : json_null())
            : json_null());
    json_t *f = json_object_get(o, "features");
    json_object_set_new(f, "resumption_session_id", tri(r->resume_session_id));
    json_object_set_new(f, "resumption_ticket_tls12", tri(r->resume_ticket12));
    json_object_set_new(f, "resumption_ticket_tls13", tri(r->resume_ticket13));
    json_object_set_new(f, "client_renegotiation", tri(r->client_reneg));
    json_object_set_new(f, "heartbeat", tri(r->heartbeat));
    json_object_set_new(f, "sni_selects_certificate", tri(r->sni_selects_cert));
    json_object_set_new(f, "no_sni_certificate", json_string(r->no_sni_cert));
    json_object_set_new(f, "refuses_server_name_not_host_name", tri(r->refuses_sni_not_host));
    json_object_set_new(f, "server_name_not_host_name_alert", alert_json(r->sni_not_host_alert));
    json_object_set_new(f, "ecdhe_needs_supported_groups", tri(r->ecdhe_needs_groups));
    json_object_set_new(f, "requires_certificate_curve", tri(r->needs_cert_curve));
    json_object_set_new(f, "tls13_hrr_despite_key_share", tri(r->hrr_despite_share));
    json_object_set_new(o, "implementation",
                        r->implementation == TLSD_IMPL_GENERIC
                            ? json_null()
                            : json_string(tlsd_impl_name(r->implementation)));
    json_object_set_new(o, "client_certificate", client_cert_json(r));
    json_object_set_new(o, "ja3s", json_string(r->ja3s));
    json_object_set_new(o, "ja4s", json_string(r->ja4s));
    json_object_set_new(o, "findings", finds);
    json_object_set_new(o, "stats",
                        json_pack("{s:i, s:i, s:f}", "connections", r->connections, "handshakes",
                                  r->handshakes, "seconds", r->seconds));
    return o;
}
