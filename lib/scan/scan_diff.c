/* What changed between two scans of one server ("did my GPO change do anything?"), read
 * from their JSON (docs/scan-json.md), so a saved scan compares with a new one. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/json.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h"

/* The string key of each element of arr (an array of strings when key is NULL). */
static const char *item_key(const json_t *v, const char *key)
{
    return json_string_value(key ? json_object_get(v, key) : v);
}

static bool in_array(const json_t *arr, const char *key, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *k = item_key(v, key);
        if (k && strcmp(k, s) == 0)
            return true;
    }
    return false;
}

/* Adds {"what", "added", "removed"} to changes when the two lists differ as sets, {"what",
 * "reordered": true} when only the order did. */
static void list_diff(json_t *changes, const char *what, const json_t *old_a, const json_t *new_a,
                      const char *key)
{
    json_t *added = json_array(), *removed = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach(new_a, i, v)
    {
        const char *k = item_key(v, key);
        if (k && !in_array(old_a, key, k))
            json_array_append_new(added, json_string(k));
    }
    json_array_foreach(old_a, i, v)
    {
        const char *k = item_key(v, key);
        if (k && !in_array(new_a, key, k))
            json_array_append_new(removed, json_string(k));
    }
    if (json_array_size(added) || json_array_size(removed))
        json_array_append_new(changes, json_pack("{s:s, s:o, s:o}", "what", what, "added", added,
                                                 "removed", removed));
    else {
        if (!json_equal((json_t *)old_a, (json_t *)new_a) && json_array_size(old_a) > 1)
            json_array_append_new(changes, json_pack("{s:s, s:b}", "what", what, "reordered", 1));
        json_decref(added);
        json_decref(removed);
    }
}

static const json_t *version_entry(const json_t *t, const char *name)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(t, "versions"), i, v)
    {
        const char *k = item_key(v, "version");
        if (k && strcmp(k, name) == 0)
            return v;
    }
    return NULL;
}

static void versions_diff(json_t *changes, const json_t *o, const json_t *n)
{
    size_t i;
    const json_t *nv;
    json_array_foreach(json_object_get(n, "versions"), i, nv)
    {
        const char *name = item_key(nv, "version");
        const json_t *ov = name ? version_entry(o, name) : NULL;
        if (!ov)
            continue;
        bool was = json_is_true(json_object_get(ov, "accepted"));
        bool is = json_is_true(json_object_get(nv, "accepted"));
        if (was != is) {
            json_array_append_new(changes, json_pack("{s:s, s:s, s:b}", "what", "version",
                                                     "version", name, "accepted", is));
        } else if (is) {
            char what[64];
            snprintf(what, sizeof what, "%s cipher suites", name);
            list_diff(changes, what, json_object_get(ov, "suites"), json_object_get(nv, "suites"),
                      "name");
        }
    }
}

/* The certificates as "KEY SUBJECT until NOT_AFTER" strings. */
static json_t *cert_names(const json_t *t)
{
    json_t *out = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(t, "certificates"), i, c)
    {
        const json_t *leaf = json_array_get(json_object_get(c, "chain"), 0);
        const char *until = json_string_value(json_object_get(leaf, "not_after_time"));
        char *s = NULL;
        if (asprintf(&s, "%s %s (until %s)", item_key(c, "key") ? item_key(c, "key") : "?",
                     item_key(leaf, "subject") ? item_key(leaf, "subject") : "?",
                     until ? until : "?") >= 0) {
            json_array_append_new(out, json_string(s));
            free(s);
        }
    }
    return out;
}

json_t *tlsd_scan_diff(const json_t *o, const json_t *n)
{
    json_t *changes = json_array();
    versions_diff(changes, o, n);
    list_diff(changes, "groups", json_object_get(o, "groups"), json_object_get(n, "groups"), NULL);
    list_diff(changes, "signature schemes", json_object_get(o, "signature_schemes"),
              json_object_get(n, "signature_schemes"), NULL);
    json_t *oc = cert_names(o), *nc = cert_names(n);
    list_diff(changes, "certificates", oc, nc, NULL);
    json_decref(oc);
    json_decref(nc);
    list_diff(changes, "findings", json_object_get(o, "findings"), json_object_get(n, "findings"),
              "text");
    return changes;
}

/* "+a, +b, -c" on the line, or each on a line of its own (long items: certificates,
 * findings). */
static void items_text(struct tlsd_strbuf *b, const json_t *ch, bool lines)
{
    const char *sep = lines ? "\n    " : ", ";
    size_t n = 0, i;
    const json_t *v;
    static const char *const keys[] = {"added", "removed"};
    for (size_t k = 0; k < 2; k++) {
        json_array_foreach(json_object_get(ch, keys[k]), i, v)
        {
            tlsd_sb_printf(b, "%s%c%s", n++ || lines ? sep : "", k ? '-' : '+',
                           json_string_value(v));
        }
    }
}

size_t tlsd_scan_diff_text(const json_t *changes, struct tlsd_strbuf *b)
{
    size_t i;
    const json_t *ch;
    json_array_foreach(changes, i, ch)
    {
        const char *what = item_key(ch, "what");
        if (!what)
            continue;
        if (strcmp(what, "version") == 0) {
            tlsd_sb_printf(b, "  %s: %s\n", item_key(ch, "version"),
                           json_is_true(json_object_get(ch, "accepted")) ? "now accepted"
                                                                         : "no longer accepted");
        } else if (json_is_true(json_object_get(ch, "reordered"))) {
            tlsd_sb_printf(b, "  %s: the same, in another order\n", what);
        } else {
            bool lines = strcmp(what, "certificates") == 0 || strcmp(what, "findings") == 0;
            tlsd_sb_printf(b, "  %s:%s", what, lines ? "" : " ");
            items_text(b, ch, lines);
            tlsd_sb_puts(b, "\n");
        }
    }
    if (!json_array_size(changes))
        tlsd_sb_puts(b, "  nothing changed (versions, suites and their order, groups, signature "
                        "schemes, certificates, findings)\n");
    return json_array_size(changes);
}

const json_t *tlsd_scan_doc_target(const json_t *doc, const char *target)
{
    size_t i;
    const json_t *t;
    const json_t *arr = json_is_array(doc) ? doc : json_object_get(doc, "targets");
    json_array_foreach(arr, i, t)
    {
        const char *k = item_key(t, "target");
        if (k && strcmp(k, target) == 0)
            return t;
    }
    return NULL;
}

void tlsd_scan_diff_section_text(const json_t *d, const char *target, struct tlsd_strbuf *b)
{
    const char *file = json_string_value(json_object_get(d, "file"));
    if (!json_is_true(json_object_get(d, "in_file"))) {
        tlsd_sb_printf(b, "  Changes since %s: %s is not in it\n\n", file, target);
        return;
    }
    tlsd_sb_printf(b, "  Changes since %s:\n", file);
    tlsd_scan_diff_text(json_object_get(d, "changes"), b);
    tlsd_sb_puts(b, "\n");
}
