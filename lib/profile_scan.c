/* A saved `tlsdiag scan --json` (or one `--jsonl` line) -> the server's profile:
 * what the scan found accepted is what the server is configured with. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "profile_internal.h"
#include "tlsdiag/registry.h"

/* The target object: a --jsonl line, or the first target without an error
 * of a --json document. */
static json_t *pick_target(json_t *root)
{
    json_t *targets = json_object_get(root, "targets");
    if (!json_is_array(targets))
        return json_object_get(root, "versions") ? root : NULL;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t) if (!json_object_get(t, "error")) return t;
    return NULL;
}

static uint32_t code_of(json_t *s)
{
    const char *c = json_string_value(json_object_get(s, "code"));
    return c ? (uint32_t)strtoul(c, NULL, 16) : 0;
}

/* Suites: TLS 1.3 ones first, then each version from the highest down, each
 * in the order the scan found (the server's order when it keeps one). */
static int add_suites(struct tlsd_profile *p, json_t *versions, bool *server_order,
                      bool *client_order, struct tlsd_profile_err *err)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = json_array_size(versions); i-- > 0;) {
            json_t *v = json_array_get(versions, i);
            const char *name = json_string_value(json_object_get(v, "version"));
            const struct tlsd_version *ver = name ? tlsd_version_by_name(name) : NULL;
            if (!ver || !json_is_true(json_object_get(v, "accepted")))
                continue;
            if ((ver->code == 0x0304) != (pass == 0))
                continue;
            p->versions |= tlsd_version_bit(ver->code);
            json_t *order = json_object_get(v, "server_order");
            if (json_is_true(order))
                *server_order = true;
            else if (json_is_false(order))
                *client_order = true;
            size_t k;
            json_t *s;
            json_array_foreach(json_object_get(v, "suites"), k, s)
            {
                uint32_t c = code_of(s);
                if (c && !tlsd_profile_has_suite(p, c) && tlsd_profile_add_suite(p, c) < 0)
                    return tlsd_profile_fail(err,
                                             "the scan lists more suites than a profile holds");
            }
        }
    }
    return 0;
}

static void add_groups(struct tlsd_profile *p, json_t *root)
{
    static const char *const keys[] = {"groups", "groups_tls12"};
    p->n_groups = 0;
    for (size_t g = 0; g < 2; g++) {
        size_t i;
        json_t *n;
        json_array_foreach(json_object_get(root, keys[g]), i, n)
        {
            const struct tlsd_group *gr =
                json_string_value(n) ? tlsd_group_by_name(json_string_value(n)) : NULL;
            if (gr && !tlsd_profile_has_group(p, gr->code) && p->n_groups < TLSD_PROFILE_MAX_GROUPS)
                p->groups[p->n_groups++] = gr->code;
        }
    }
}

static void add_sigalgs(struct tlsd_profile *p, json_t *list)
{
    if (json_array_size(list) == 0)
        return; /* TLS 1.3 only, or not enumerated: keep the defaults */
    p->n_sigalgs = 0;
    size_t i;
    json_t *n;
    json_array_foreach(list, i, n)
    {
        const struct tlsd_sigscheme *s =
            json_string_value(n) ? tlsd_sigscheme_by_name(json_string_value(n)) : NULL;
        if (s && p->n_sigalgs < TLSD_PROFILE_MAX_SIGALGS)
            p->sigalgs[p->n_sigalgs++] = s->code;
    }
}

/* "RSA 2048" / "EC 256 (prime256v1)" -> a certificate key. */
static void add_certs(struct tlsd_profile *p, json_t *certs)
{
    if (json_array_size(certs) == 0)
        return; /* keep the default RSA certificate */
    p->n_certs = 0;
    size_t i;
    json_t *c;
    json_array_foreach(certs, i, c)
    {
        const char *key = json_string_value(json_object_get(c, "key"));
        if (!key || p->n_certs >= TLSD_PROFILE_MAX_CERTS)
            continue;
        struct tlsd_cert_key *k = &p->certs[p->n_certs];
        memset(k, 0, sizeof *k);
        char type[16] = "";
        int bits = 0;
        if (sscanf(key, "%15s %d", type, &bits) < 1)
            continue;
        if (strcasecmp(type, "RSA") == 0) {
            snprintf(k->type, sizeof k->type, "rsa");
            k->bits = bits;
        } else if (strcasecmp(type, "EC") == 0) {
            snprintf(k->type, sizeof k->type, "ecdsa");
            k->bits = bits;
            k->curve = bits == 384 ? 0x0018 : bits == 521 ? 0x0019 : 0x0017;
        } else if (strcasecmp(type, "ED25519") == 0 || strcasecmp(type, "ED448") == 0 ||
                   strcasecmp(type, "DSA") == 0) {
            for (size_t j = 0; type[j]; j++)
                type[j] = (char)(type[j] | 0x20);
            snprintf(k->type, sizeof k->type, "%.11s", type);
            k->bits = bits;
        } else {
            continue;
        }
        p->n_certs++;
    }
}

int tlsd_profile_from_scan_json(const char *text, size_t len, enum tlsd_side side,
                                struct tlsd_profile *p, struct tlsd_profile_err *err)
{
    if (side == TLSD_SIDE_CLIENT)
        return tlsd_profile_fail(err, "a scan describes a server, not a client");
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root)
        return tlsd_profile_fail(err, "scan JSON, line %d: %s", je.line, je.text);
    json_t *t = pick_target(root);
    int rc = 0;
    if (!t) {
        rc = tlsd_profile_fail(err, "the scan JSON holds no target that was scanned");
        goto out;
    }
    tlsd_profile_init(p, TLSD_SIDE_SERVER);
    p->versions = 0;
    const char *target = json_string_value(json_object_get(t, "target"));
    snprintf(p->name, sizeof p->name, "scan of %s", target ? target : "a server");
    snprintf(p->source, sizeof p->source, "tlsdiag scan --json");
    bool server_order = false, client_order = false;
    rc = add_suites(p, json_object_get(t, "versions"), &server_order, &client_order, err);
    if (rc < 0)
        goto out;
    if (p->n_suites == 0) {
        rc = tlsd_profile_fail(err, "the scan found no accepted suite");
        goto out;
    }
    p->pref = server_order ? TLSD_PREF_SERVER : client_order ? TLSD_PREF_CLIENT : TLSD_PREF_DEFAULT;
    add_groups(p, t);
    add_sigalgs(p, json_object_get(t, "signature_schemes"));
    add_certs(p, json_object_get(t, "certificates"));
out:
    json_decref(root);
    return rc;
}
