/* gpresult /x (the RSoP XML of the computer): which Group Policy object sets the
 * "SSL Cipher Suite Order" and "ECC Curve Order" policies. In that document each
 * registry policy is a <q:Policy> element (any namespace prefix) holding the
 * <Identifier> of the GPO that won and its <q:Name>; the GPO's display name is in the
 * <GPO> element with the same <Identifier> under <ComputerResults>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "tlsdiag/winreg.h"
#include "windows/winreg_internal.h"

#define GPRESULT_MAX  (32u * 1024 * 1024)
#define POLICY_SUITES "SSL Cipher Suite Order"
#define POLICY_CURVES "ECC Curve Order"

/* The text of the first <...Identifier ...>TEXT</ element in [p, end). */
static bool identifier_in(const char *p, const char *end, char *out, size_t len)
{
    const char *id = p ? tlsd_memmem(p, (size_t)(end - p), "Identifier", 10) : NULL;
    const char *gt = id ? memchr(id, '>', (size_t)(end - id)) : NULL;
    const char *lt = gt ? memchr(gt, '<', (size_t)(end - gt)) : NULL;
    if (!lt)
        return false;
    snprintf(out, len, "%.*s", (int)(lt - gt - 1), gt + 1);
    return true;
}

/* The start of the Policy element that contains pos: the last "Policy>" opening before it. */
static const char *policy_start(const char *doc, const char *pos)
{
    for (const char *p = pos; p > doc; p--)
        if (p[-1] == '<' && p[0] != '/' && strncmp(p, "Policy", 6) == 0)
            return p;
    for (const char *p = pos; p > doc; p--) /* prefixed: <q1:Policy> */
        if (p[-1] == ':' && strncmp(p, "Policy>", 7) == 0)
            return p;
    return NULL;
}

/* The <Name> of the <GPO> whose <Identifier> is id. */
static void gpo_name(const char *xml, size_t len, const char *id, char *out, size_t out_len)
{
    const char *end = xml + len;
    for (const char *p = xml; (p = tlsd_memmem(p, (size_t)(end - p), "<GPO>", 5)); p += 5) {
        const char *close = tlsd_memmem(p, (size_t)(end - p), "</GPO>", 6);
        if (!close)
            return;
        const char *hit = tlsd_memmem(p, (size_t)(close - p), id, strlen(id));
        const char *name = tlsd_memmem(p, (size_t)(close - p), "<Name>", 6);
        const char *name_end =
            name ? tlsd_memmem(name, (size_t)(close - name), "</Name>", 7) : NULL;
        if (hit && name_end) {
            snprintf(out, out_len, "%.*s", (int)(name_end - name - 6), name + 6);
            return;
        }
    }
}

static void one_policy(const char *xml, size_t len, const char *policy, char *out, size_t out_len)
{
    char pat[64], id[96];
    snprintf(pat, sizeof pat, ">%s<", policy);
    out[0] = '\0';
    const char *hit = tlsd_memmem(xml, len, pat, strlen(pat));
    const char *start = hit ? policy_start(xml, hit) : NULL;
    if (start && identifier_in(start, hit, id, sizeof id)) {
        gpo_name(xml, len, id, out, out_len);
        if (!out[0])
            snprintf(out, out_len, "%s", id); /* the GUID when the name is not there */
    }
}

void tlsd_gpresult_policy_gpos(const char *xml, size_t len, char *out_suites, char *out_curves,
                               size_t out_len)
{
    one_policy(xml, len, POLICY_SUITES, out_suites, out_len);
    one_policy(xml, len, POLICY_CURVES, out_curves, out_len);
}

void tlsd_win_gpresult_file(struct tlsd_win_state *st, const char *path)
{
    char suites[128], curves[128];
    size_t len = 0;
    char ignored[256];
    char *xml = tlsd_win_read_text(path, GPRESULT_MAX, &len, ignored, sizeof ignored);
    if (!xml)
        return;
    tlsd_gpresult_policy_gpos(xml, len, suites, curves, sizeof suites);
    free(xml);
    snprintf(st->gpo_name, sizeof st->gpo_name, "%s", suites);
    for (size_t i = 0; i < st->n_lines; i++) {
        struct tlsd_win_line *l = &st->lines[i];
        const char *gpo = strcmp(l->setting, "cipher suite order") == 0 ? suites
                          : strcmp(l->setting, "ECC curve order") == 0  ? curves
                                                                        : "";
        size_t used = strlen(l->note);
        if (gpo[0] && l->origin == TLSD_WIN_POLICY)
            snprintf(l->note + used, sizeof l->note - used, "%sset by the GPO \"%.100s\" (%s)",
                     used ? "; " : "", gpo, TLSD_WIN_STATE_GPRESULT);
    }
}

void tlsd_win_gpresult(struct tlsd_win_state *st, const char *folder)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, TLSD_WIN_STATE_GPRESULT);
    tlsd_win_gpresult_file(st, path);
}
