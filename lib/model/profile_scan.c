/* A saved `tlsdiag scan --json` / `--jsonl` (docs/scan-json.md) as a server profile:
 * what the server was seen to accept. Versions accepted; suites from the highest version
 * down (each version's list is in the server's order when it has one); server or client
 * preference (and ChaCha20 priority); the groups, in the server's order where it has one;
 * signature schemes; certificate key types; the implementation when the scan told it; the
 * DHE prime; the alert an SSLv3 hello got; the Windows habit of refusing TLS 1.2 hellos
 * without renegotiation signalling. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "model/profile_internal.h"
#include "tlsdiag/json.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/scan.h"

static const char *str(json_t *j)
{
    const char *s = json_string_value(j);
    return s ? s : "";
}

/* The first target that was scanned: {"targets": [T, ...]} (--json; targets with an
 * "error" are skipped) or T itself (--jsonl, first line). */
static json_t *first_target(json_t *root)
{
    json_t *t = json_object_get(root, "targets");
    if (json_is_array(t)) {
        size_t i;
        json_t *x;
        json_array_foreach(t, i, x) if (!json_object_get(x, "error")) return x;
        return json_array_get(t, 0);
    }
    return json_object_get(root, "versions") || json_object_get(root, "target") ? root : NULL;
}

static void scan_versions(json_t *t, struct tlsd_profile *p)
{
    json_t *vs = json_object_get(t, "versions"), *v;
    size_t i;
    bool server_order = false, client_order = false;
    p->versions = 0;
    p->n_suites = 0;
    /* Highest version first: its order is what a modern client meets. */
    for (i = json_array_size(vs); i-- > 0;) {
        v = json_array_get(vs, i);
        const struct tlsd_version *ver = tlsd_version_by_name(str(json_object_get(v, "version")));
        if (!ver || !json_is_true(json_object_get(v, "accepted")))
            continue;
        p->versions |= tlsd_version_bit(ver->code);
        json_t *so = json_object_get(v, "server_order"), *s;
        server_order |= json_is_true(so);
        if (json_is_true(json_object_get(v, "chacha20_priority")))
            p->flags |= TLSD_PF_PRIORITIZE_CHACHA;
        client_order |= json_is_false(so);
        size_t k;
        json_array_foreach(json_object_get(v, "suites"), k, s)
        {
            unsigned code;
            const char *hex = json_string_value(json_object_get(s, "code"));
            if (hex && sscanf(hex, "%x", &code) == 1 && tlsd_profile_add_suite(p, code) < 0)
                return; /* full: the rest is lower versions' suites */
        }
    }
    p->pref = server_order ? TLSD_PREF_SERVER : client_order ? TLSD_PREF_CLIENT : TLSD_PREF_DEFAULT;
}

/* The signature schemes of a JSON array of names into v (known ones, at most
 * TLSD_PROFILE_MAX_SIGALGS); their count. */
static size_t sigschemes_from(json_t *names, uint16_t *v)
{
    json_t *g;
    size_t i, n = 0;
    json_array_foreach(names, i, g)
    {
        const struct tlsd_sigscheme *s = tlsd_sigscheme_by_name(str(g));
        if (s && n < TLSD_PROFILE_MAX_SIGALGS)
            v[n++] = s->code;
    }
    return n;
}

/* The groups in one list (the model has one order): the list the server orders first
 * (TLS 1.2's when only it is in server order, or when it is the longer of two: the
 * TLS 1.2 enumeration of a server seen only with an ECDSA certificate finds fewer),
 * then the other's groups not yet on it. */
static void scan_groups(json_t *t, struct tlsd_profile *p)
{
    const char *keys[] = {"groups", "groups_tls12"};
    json_t *g13 = json_object_get(t, keys[0]), *g12 = json_object_get(t, keys[1]), *g;
    bool o13 = json_is_true(json_object_get(t, "groups_server_order")),
         o12 = json_is_true(json_object_get(t, "groups_tls12_server_order"));
    if (o12 && (!o13 || json_array_size(g12) > json_array_size(g13))) {
        keys[0] = "groups_tls12";
        keys[1] = "groups";
    }
    size_t i;
    p->n_groups = 0;
    for (size_t k = 0; k < 2; k++)
        json_array_foreach(json_object_get(t, keys[k]), i, g)
        {
            const struct tlsd_group *gr = tlsd_group_by_name(str(g));
            if (gr && !tlsd_profile_has_group(p, gr->code) && p->n_groups < TLSD_PROFILE_MAX_GROUPS)
                p->groups[p->n_groups++] = gr->code;
        }
    p->n_sigalgs13 = sigschemes_from(json_object_get(t, "signature_schemes_tls13"), p->sigalgs13);
    json_t *sigs = json_object_get(t, "signature_schemes");
    if (json_array_size(sigs) > 0) /* none seen: the profile's defaults stay */
        p->n_sigalgs = sigschemes_from(sigs, p->sigalgs);
}

/* CERT "key": "RSA 2048", "EC 256 (prime256v1)", "ED25519 ...". */
static void scan_certs(json_t *t, struct tlsd_profile *p)
{
    json_t *c;
    size_t i;
    size_t n = 0;
    json_array_foreach(json_object_get(t, "certificates"), i, c)
    {
        const char *key = json_string_value(json_object_get(c, "key"));
        struct tlsd_cert_key k = {0};
        int bits = 0;
        if (!key || n >= TLSD_PROFILE_MAX_CERTS)
            continue;
        char word[16] = "";
        /* "RSA 2048", "RSA-PSS 2048" (an RSA key), "EC 256", "ED25519 256" */
        if (sscanf(key, "%15s %d", word, &bits) < 1)
            continue;
        word[strcspn(word, "-")] = '\0';
        k.type = tlsd_key_type_from_name(word);
        if (k.type == TLSD_KEY_RSA)
            k.bits = bits;
        else if (k.type == TLSD_KEY_ECDSA)
            k.curve = bits <= 256   ? TLSD_GROUP_SECP256R1
                      : bits <= 384 ? TLSD_GROUP_SECP384R1
                                    : TLSD_GROUP_SECP521R1;
        else if (k.type != TLSD_KEY_ED25519)
            continue; /* DSA, Ed448: no suite of a profile's model selects them */
        p->certs[n++] = k;
    }
    if (n)
        p->n_certs = n;
}

/* What the scan told beyond the lists: the implementation (its rules then apply), the
 * DHE prime a client offering no RFC 7919 group gets, the alert an SSLv3 hello got. */
static void scan_behaviour(json_t *t, struct tlsd_profile *p)
{
    enum tlsd_impl impl;
    const char *name = json_string_value(json_object_get(t, "implementation"));
    if (name && tlsd_impl_from_name(name, &impl) == 0)
        p->impl = impl; /* its rules; the groups and suites stay as measured */
    json_t *dh = json_object_get(json_object_get(t, "dhe"), "bits_rfc7919_not_offered");
    if (json_is_integer(dh) && json_integer_value(dh) > 0 &&
        json_integer_value(dh) <= TLSD_PROFILE_MAX_DH_BITS)
        p->dh_bits = (int)json_integer_value(dh);
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(t, "versions"), i, v)
    {
        json_t *code = json_object_get(json_object_get(v, "alert"), "code");
        const struct tlsd_version *ver = tlsd_version_by_name(str(json_object_get(v, "version")));
        if (ver && ver->code == TLSD_VERSION_SSL3 && json_is_integer(code) &&
            tlsd_alert_by_code((int)json_integer_value(code)))
            p->ssl3_alert = (int)json_integer_value(code);
    }
}

/* One target of the scan document into p. */
static int from_target(json_t *t, struct tlsd_profile *p, struct tlsd_profile_err *err)
{
    const char *e = json_string_value(json_object_get(t, "error"));
    if (e)
        return tlsd_profile_fail(err, "scan JSON: the target was not scanned: %s", e);
    snprintf(p->name, sizeof p->name, "scan of %s", str(json_object_get(t, "target")));
    snprintf(p->source, sizeof p->source, "tlsdiag scan --json");
    p->side = TLSD_SIDE_SERVER;
    scan_versions(t, p);
    scan_groups(t, p);
    scan_certs(t, p);
    scan_behaviour(t, p);
    json_t *f = json_object_get(t, "features");
    if (json_is_true(json_object_get(f, "refuses_tls12_without_renegotiation_signal")))
        p->flags |= TLSD_PF_REQUIRE_RENEG_INFO;
    if (p->versions == 0)
        return tlsd_profile_fail(err, "scan JSON: the server accepted no version");
    return 0;
}

int tlsd_profile_from_scan_json(const char *text, size_t len, struct tlsd_profile *p,
                                struct tlsd_profile_err *err)
{
    if (p->side == TLSD_SIDE_CLIENT)
        return tlsd_profile_fail(err, "a scan describes a server, not a client");
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_DISABLE_EOF_CHECK, &je);
    json_t *t = root ? first_target(root) : NULL;
    int rc = t ? from_target(t, p, err)
               : tlsd_profile_fail(err, "scan JSON: %s", root ? "no target in it" : je.text);
    json_decref(root);
    return rc;
}

/* The same reading of a scan this process ran: its result's document, without writing
 * it out as text and parsing it back. */
int tlsd_profile_from_scan(const struct tlsd_scan_result *r, struct tlsd_profile *p,
                           struct tlsd_profile_err *err)
{
    tlsd_profile_init(p, TLSD_SIDE_SERVER);
    json_t *t = tlsd_scan_result_json(r);
    int rc = t ? from_target(t, p, err) : tlsd_profile_fail(err, "out of memory");
    json_decref(t);
    return rc;
}
