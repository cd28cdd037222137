/* match's reports: one client against one server, or the matrix of several of each, as
 * text and JSON (docs/serve-json.md); the outcome and fixes are outcome_render.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"

/* "TLSv1.0 to TLSv1.3" / "TLSv1.0, TLSv1.2" for a set of versions. */
static void versions_text(unsigned set, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    unsigned lo = tlsd_version_bit(tlsd_versions_min(set)),
             hi = tlsd_version_bit(tlsd_versions_max(set));
    bool range = lo && hi > lo;
    for (unsigned b = lo; range && b <= hi; b <<= 1)
        range = (set & b) != 0;
    if (range) {
        snprintf(buf, len, "%s to %s", tlsd_version_code_name(tlsd_versions_min(set)),
                 tlsd_version_code_name(tlsd_versions_max(set)));
        return;
    }
    for (unsigned b = TLSD_V_SSL2; b <= TLSD_V_TLS13 && n < len; b <<= 1)
        if (set & b)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
                                  tlsd_version_code_name(tlsd_version_of_bit(b)));
}

/* The versions a profile's input did not state, said where the report starts. */
static void assumed_text(struct tlsd_strbuf *b, const struct tlsd_profile *p)
{
    if (!p->versions_assumed)
        return;
    char v[96];
    versions_text(p->versions, v, sizeof v);
    tlsd_sb_printf(b,
                   "  %s versions assumed: %s (the input names none; set them with --versions or a "
                   "'versions =' line)\n",
                   p->name, v);
}

static json_t *assumed_json(const struct tlsd_profile *p)
{
    json_t *a = json_array();
    for (unsigned b = TLSD_V_SSL2; b <= TLSD_V_TLS13; b <<= 1)
        if (p->versions & b)
            json_array_append_new(a, json_string(tlsd_version_code_name(tlsd_version_of_bit(b))));
    return a;
}

/* ---- JSON ------------------------------------------------------------------- */

/* The pair's outcome (negotiated by the caller) with its fixes. */
json_t *tlsd_pair_json(const struct tlsd_profile *c, const struct tlsd_profile *s,
                       const struct tlsd_outcome *out, size_t n_fixes)
{
    json_t *j = json_pack("{s:s, s:s, s:o}", "client", c->name, "server", s->name, "outcome",
                          tlsd_outcome_to_json(out));
    if (c->versions_assumed)
        json_object_set_new(j, "client_versions_assumed", assumed_json(c));
    if (s->versions_assumed)
        json_object_set_new(j, "server_versions_assumed", assumed_json(s));
    if (!out->ok && n_fixes > 0) {
        json_object_set_new(j, "server_fixes", tlsd_fixes_to_json(c, s, TLSD_SIDE_SERVER, n_fixes));
        json_object_set_new(j, "client_fixes", tlsd_fixes_to_json(c, s, TLSD_SIDE_CLIENT, n_fixes));
    }
    return j;
}

/* ---- matrix ----------------------------------------------------------------- */

static void matrix_cell(const struct tlsd_outcome *o, char *buf, size_t len)
{
    if (o->ok) {
        const struct tlsd_suite *s = tlsd_suite_by_code(o->suite);
        snprintf(buf, len, "%s %s", tlsd_version_code_name(o->version),
                 s && s->openssl_name ? s->openssl_name : tlsd_suite_code_name(o->suite));
    } else {
        snprintf(buf, len, "FAIL %s", tlsd_fail_class_name(o->fail));
    }
}

/* "What breaks if we upgrade": each client that succeeds with the first server of the
 * list, with every later server it fails with. */
static json_t *breaks(const struct tlsd_profile *cs, size_t nc, const struct tlsd_profile *ss,
                      size_t ns, const struct tlsd_outcome *out, struct tlsd_strbuf *b)
{
    json_t *arr = b ? NULL : json_array();
    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
        if (!out[i * ns].ok)
            continue;
        size_t nk = 0; /* later servers this client fails with */
        for (size_t k = 1; k < ns; k++) {
            const struct tlsd_outcome *o = &out[i * ns + k];
            if (o->ok)
                continue;
            if (b && n++ == 0)
                tlsd_sb_printf(b, "\nWorks with %s, fails with a later server:\n", ss[0].name);
            if (b && nk++ == 0)
                tlsd_sb_printf(b, "  %s  fails with ", cs[i].name);
            if (b)
                tlsd_sb_printf(b, "%s%s (%s)", nk > 1 ? ", " : "", ss[k].name,
                               tlsd_fail_class_text(o->fail));
            else
                json_array_append_new(arr,
                                      json_pack("{s:s, s:s, s:s, s:s}", "client", cs[i].name,
                                                "works_with", ss[0].name, "fails_with", ss[k].name,
                                                "failure", tlsd_fail_class_name(o->fail)));
        }
        if (b && nk)
            tlsd_sb_printf(b, "\n");
    }
    return arr;
}

/* One block of the matrix: the servers [k0, k1), each column as wide as its widest cell. */
static void matrix_block(struct tlsd_strbuf *b, const struct tlsd_profile *cs, size_t nc,
                         const struct tlsd_profile *ss, size_t k0, size_t k1, size_t ns,
                         const struct tlsd_outcome *out, size_t cw, const size_t *w)
{
    tlsd_sb_printf(b, "%-*s", (int)cw, "CLIENT \\ SERVER");
    for (size_t k = k0; k < k1; k++)
        tlsd_sb_printf(b, "  %-*s", k + 1 < k1 ? (int)w[k] : 0, ss[k].name);
    tlsd_sb_printf(b, "\n");
    for (size_t i = 0; i < nc; i++) {
        tlsd_sb_printf(b, "%-*s", (int)cw, cs[i].name);
        for (size_t k = k0; k < k1; k++) {
            char cell[80];
            matrix_cell(&out[i * ns + k], cell, sizeof cell);
            tlsd_sb_printf(b, "  %-*s", k + 1 < k1 ? (int)w[k] : 0, cell);
        }
        tlsd_sb_printf(b, "\n");
    }
}

/* The matrix, in blocks of as many server columns as fit the width (each block repeats the
 * client column), as R and PostgreSQL print a table wider than the screen. */
static void matrix_table(struct tlsd_strbuf *b, const struct tlsd_profile *cs, size_t nc,
                         const struct tlsd_profile *ss, size_t ns, const struct tlsd_outcome *out,
                         size_t width)
{
    size_t cw = strlen("CLIENT \\ SERVER");
    for (size_t i = 0; i < nc; i++)
        cw = strlen(cs[i].name) > cw ? strlen(cs[i].name) : cw;
    size_t *w = calloc(ns, sizeof *w);
    if (!w)
        return;
    for (size_t k = 0; k < ns; k++) {
        w[k] = strlen(ss[k].name);
        for (size_t i = 0; i < nc; i++) {
            char cell[80];
            matrix_cell(&out[i * ns + k], cell, sizeof cell);
            w[k] = strlen(cell) > w[k] ? strlen(cell) : w[k];
        }
    }
    for (size_t k0 = 0, k1; k0 < ns; k0 = k1) {
        size_t used = cw + 2 + w[k0];
        for (k1 = k0 + 1; k1 < ns && used + 2 + w[k1] <= width; k1++)
            used += 2 + w[k1];
        if (k0 > 0)
            tlsd_sb_printf(b, "\n");
        matrix_block(b, cs, nc, ss, k0, k1, ns, out, cw, w);
    }
    free(w);
}

int tlsd_pair_text(const struct tlsd_profile *c, const struct tlsd_profile *s,
                   const struct tlsd_outcome *out, size_t n_fixes, struct tlsd_strbuf *b)
{
    tlsd_sb_printf(b, "Client: %s (%s)\nServer: %s (%s, %s order)\n", c->name,
                   tlsd_impl_name(c->impl), s->name, tlsd_impl_name(s->impl),
                   tlsd_profile_pref(s) == TLSD_PREF_SERVER ? "server" : "client");
    assumed_text(b, c);
    assumed_text(b, s);
    tlsd_outcome_text(out, b);
    if (!out->ok && n_fixes > 0 &&
        (tlsd_fixes_text(c, s, TLSD_SIDE_SERVER, n_fixes, b) < 0 ||
         tlsd_fixes_text(c, s, TLSD_SIDE_CLIENT, n_fixes, b) < 0))
        return -1;
    return 0;
}

void tlsd_matrix_text(const struct tlsd_matrix *m, size_t width, struct tlsd_strbuf *b)
{
    size_t fails = 0;
    for (size_t i = 0; i < m->n_clients * m->n_servers; i++)
        fails += !m->out[i].ok;
    for (size_t i = 0; i < m->n_clients; i++)
        assumed_text(b, &m->clients[i]);
    for (size_t i = 0; i < m->n_servers; i++)
        assumed_text(b, &m->servers[i]);
    matrix_table(b, m->clients, m->n_clients, m->servers, m->n_servers, m->out, width);
    tlsd_sb_printf(b, "\n%zu of %zu pairs fail.\n", fails, m->n_clients * m->n_servers);
    breaks(m->clients, m->n_clients, m->servers, m->n_servers, m->out, b);
}

json_t *tlsd_matrix_json(const struct tlsd_matrix *m, size_t n_fixes)
{
    size_t n = m->n_clients * m->n_servers, fails = 0;
    json_t *results = json_array();
    for (size_t i = 0; i < n; i++) {
        fails += !m->out[i].ok;
        json_array_append_new(results,
                              tlsd_pair_json(&m->clients[i / m->n_servers],
                                             &m->servers[i % m->n_servers], &m->out[i], n_fixes));
    }
    return json_pack("{s:i, s:i, s:i, s:o, s:o}", "clients", (int)m->n_clients, "servers",
                     (int)m->n_servers, "failures", (int)fails, "results", results, "breaks",
                     breaks(m->clients, m->n_clients, m->servers, m->n_servers, m->out, NULL));
}
