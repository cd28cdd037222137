/* The effective Schannel configuration: a built-in Windows profile (the base) changed
 * by registry exports, with the meaning of every setting taken from
 * data/schannel_registry.tsv and what the base version supports from
 * data/windows_support.tsv. Each decision is written down as a provenance line. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"

#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */
#include "tlsdiag/suitelist.h"
#include "tlsdiag/textin.h"
#include "tlsdiag/winreg.h"
#include "windows/winreg_internal.h"

#define DEFAULT_BASE  "windows-2022"
#define KEY_MAX       320
#define ORIGIN_LOCAL  "local"
#define ORIGIN_POLICY "policy"
#define PRODUCT_KEY   "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"

const char *tlsd_win_origin_name(enum tlsd_win_origin o)
{
    static const char *const names[] = {"default", "local", "policy"};
    return (size_t)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

static struct tlsd_win_line *add_line(struct tlsd_win_state *st, const char *setting,
                                      enum tlsd_win_origin origin,
                                      const struct tlsd_reg_value *from, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 5, 6)));

static struct tlsd_win_line *add_line(struct tlsd_win_state *st, const char *setting,
                                      enum tlsd_win_origin origin,
                                      const struct tlsd_reg_value *from, const char *fmt, ...)
{
    if (st->n_lines == TLSD_WIN_MAX_LINES) /* full: the last line says so and is reused */
        st->n_lines--;
    struct tlsd_win_line *l = &st->lines[st->n_lines++];
    memset(l, 0, sizeof *l);
    snprintf(l->setting, sizeof l->setting, "%s", setting);
    l->origin = origin;
    if (from)
        snprintf(l->where, sizeof l->where, "%s:%u", from->file, from->line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->value, sizeof l->value, fmt, ap);
    va_end(ap);
    return l;
}

/* ---- the base version ---------------------------------------------------------- */

/* Build numbers of the releases the built-in profiles describe (Microsoft's Windows
 * release information pages); servers and clients share some builds, ProductName
 * tells them apart. */
static const struct {
    unsigned build;
    const char *server, *client;
} builds[] = {
    {6002, "windows-2008", "windows-vista"},    {7601, "windows-2008r2", "windows-7"},
    {9200, "windows-2012", "windows-8"},        {9600, "windows-2012r2", "windows-8.1"},
    {10240, NULL, "windows-10-1507"},           {10586, NULL, "windows-10-1511"},
    {14393, "windows-2016", "windows-10-1607"}, {15063, NULL, "windows-10-1703"},
    {16299, NULL, "windows-10-1709"},           {17134, NULL, "windows-10-1803"},
    {17763, "windows-2019", "windows-10-1809"}, {18362, NULL, "windows-10-1903"},
    {18363, NULL, "windows-10-1909"},           {19042, NULL, "windows-10-20h2"},
    {19043, NULL, "windows-10-21h1"},           {19044, NULL, "windows-10-21h2"},
    {19045, NULL, "windows-10-22h2"},           {20348, "windows-2022", NULL},
    {22000, NULL, "windows-11-21h2"},           {22621, NULL, "windows-11-22h2"},
    {22631, NULL, "windows-11-23h2"},           {25398, "windows-2022-23h2", NULL},
    {26100, "windows-2025", "windows-11-24h2"},
};

const char *tlsd_win_profile_of_build(unsigned build, bool server)
{
    for (size_t i = 0; i < sizeof builds / sizeof builds[0]; i++)
        if (builds[i].build == build)
            return server && builds[i].server ? builds[i].server : builds[i].client;
    return NULL;
}

/* The version the export names (HKLM\...\Windows NT\CurrentVersion CurrentBuild and
 * ProductName), or NULL. */
static const char *named_base(const struct tlsd_reg *reg, char *why, size_t why_len)
{
    char *build = tlsd_reg_string(tlsd_reg_find(reg, PRODUCT_KEY, "CurrentBuild"), ' ');
    if (!build)
        build = tlsd_reg_string(tlsd_reg_find(reg, PRODUCT_KEY, "CurrentBuildNumber"), ' ');
    char *product = tlsd_reg_string(tlsd_reg_find(reg, PRODUCT_KEY, "ProductName"), ' ');
    const char *base = NULL;
    if (build) {
        bool server = product && tlsd_strcasestr(product, "Server");
        base = tlsd_win_profile_of_build((unsigned)strtoul(build, NULL, 10), server);
        snprintf(why, why_len, "named by the export (%s, build %s)",
                 product ? product : "no ProductName", build);
    }
    free(build);
    free(product);
    return base;
}

/* ---- protocols ------------------------------------------------------------------- */

static void expand_key(char *out, size_t len, const char *tmpl, const char *version,
                       const char *side)
{
    char tmp[KEY_MAX];
    const char *v = strstr(tmpl, "{VERSION}");
    snprintf(tmp, sizeof tmp, "%s", tmpl);
    if (v)
        snprintf(tmp, sizeof tmp, "%.*s%s%s", (int)(v - tmpl), tmpl, version, v + 9);
    const char *s = strstr(tmp, "{SIDE}");
    if (s)
        snprintf(out, len, "%.*s%s%s", (int)(s - tmp), tmp, side, s + 6);
    else
        snprintf(out, len, "%s", tmp);
}

static const struct tlsd_schannel_setting *setting(enum tlsd_setting_kind kind, const char *value)
{
    for (size_t i = 0; i < tlsd_schannel_settings_n_; i++)
        if (tlsd_schannel_settings_[i].kind == kind &&
            (!value || strcasecmp(tlsd_schannel_settings_[i].value, value) == 0))
            return &tlsd_schannel_settings_[i];
    return NULL;
}

static void one_protocol(struct tlsd_win_state *st, const struct tlsd_reg *reg,
                         const struct tlsd_windows_support *ws, const struct tlsd_version *ver,
                         bool client)
{
    const char *side = client ? "Client" : "Server";
    char key[KEY_MAX], label[96];
    expand_key(key, sizeof key, setting(TLSD_SET_PROTOCOL, "Enabled")->key, ver->windows_name,
               side);
    const struct tlsd_reg_value *en = tlsd_reg_find(reg, key, "Enabled"),
                                *dbd = tlsd_reg_find(reg, key, "DisabledByDefault");
    unsigned bit = tlsd_version_bit(ver->code);
    bool supported = (client ? ws->versions_supported_client : ws->versions_supported_server) & bit;
    bool on = (client ? ws->versions_default_client : ws->versions_default_server) & bit;
    uint32_t v;
    bool dflt_on = on;
    if (en && tlsd_reg_dword(en, &v))
        on = v != 0;
    if (dbd && tlsd_reg_dword(dbd, &v))
        on = on && v == 0;
    else if (en && !dflt_on)
        on = false; /* still disabled by default: DisabledByDefault=0 is needed too */
    snprintf(label, sizeof label, "%s (%s)", ver->windows_name, side);
    const struct tlsd_reg_value *from = en ? en : dbd;
    struct tlsd_win_line *l = add_line(st, label, from ? TLSD_WIN_LOCAL : TLSD_WIN_DEFAULT, from,
                                       "%s", on && supported ? "enabled" : "disabled");
    if (on && !supported)
        snprintf(l->note, sizeof l->note, "the registry enables it but %s does not support it",
                 st->base);
    else if (en && !dbd && !dflt_on && tlsd_reg_dword(en, &v) && v != 0)
        snprintf(l->note, sizeof l->note,
                 "Enabled is set but the version is off by default: DisabledByDefault=0 is "
                 "needed too");
    st->profile.versions =
        on && supported ? st->profile.versions | bit : st->profile.versions & ~bit;
}

static void protocols(struct tlsd_win_state *st, const struct tlsd_reg *reg,
                      const struct tlsd_windows_support *ws, bool client)
{
    static const uint16_t codes[] = {TLSD_VERSION_SSL2,   TLSD_VERSION_SSL3,   TLSD_VERSION_TLS1_0,
                                     TLSD_VERSION_TLS1_1, TLSD_VERSION_TLS1_2, TLSD_VERSION_TLS1_3};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const struct tlsd_version *ver = tlsd_version_by_code(codes[i]);
        if (ver && ver->windows_name)
            one_protocol(st, reg, ws, ver, client);
    }
}

/* ---- suites ---------------------------------------------------------------------- */

static const struct tlsd_reg_value *order_value(const struct tlsd_reg *reg,
                                                enum tlsd_setting_kind kind, const char *origin)
{
    for (size_t i = 0; i < tlsd_schannel_settings_n_; i++) {
        const struct tlsd_schannel_setting *s = &tlsd_schannel_settings_[i];
        if (s->kind == kind && strcmp(s->match, origin) == 0)
            return tlsd_reg_find(reg, s->key, s->value);
    }
    return NULL;
}

/* The index in ws->curve_suffixes of a curve-suffixed name's suffix ("..._P384"), or -1. */
static int suffix_index(const struct tlsd_windows_support *ws, const char *tok)
{
    size_t n = strlen(tok);
    for (size_t i = 0; i < ws->n_curve_suffixes; i++) {
        size_t k = strlen(ws->curve_suffixes[i].suffix);
        if (n > k + 1 && tok[n - k - 1] == '_' &&
            strcmp(tok + n - k, ws->curve_suffixes[i].suffix) == 0)
            return (int)i;
    }
    return -1;
}

/* Before Windows 10 a listed name is used only as the release spells it: an ECDHE suite
 * with its curve suffix, whose curve joins the side's groups in list order and is kept
 * with the suite (suite_curves). */
static int suffix_release_takes(struct tlsd_win_state *st, const struct tlsd_windows_support *ws,
                                const char *tok, uint32_t code)
{
    if (!tlsd_windows_support_has_name(ws, tok, strlen(tok)))
        return 0;
    if (tlsd_profile_add_suite(&st->profile, code) < 0)
        return -1;
    int k = suffix_index(ws, tok);
    if (k < 0)
        return 1;
    uint16_t g = ws->curve_suffixes[k].group;
    if (!tlsd_profile_has_group(&st->profile, g) && st->profile.n_groups < TLSD_PROFILE_MAX_GROUPS)
        st->profile.groups[st->profile.n_groups++] = g;
    for (size_t i = 0; i < st->profile.n_suites; i++)
        if (st->profile.suites[i] == code)
            st->profile.suite_curves[i] |= (uint8_t)(1u << k);
    return 1;
}

/* The order list (policy over local over the base default) into the profile. */
static int suite_order(struct tlsd_win_state *st, const struct tlsd_reg *reg,
                       const struct tlsd_windows_support *ws)
{
    const struct tlsd_reg_value *pol = order_value(reg, TLSD_SET_ORDER, ORIGIN_POLICY),
                                *loc = order_value(reg, TLSD_SET_ORDER, ORIGIN_LOCAL);
    const struct tlsd_reg_value *use = pol ? pol : loc;
    if (!use) {
        add_line(st, "cipher suite order", TLSD_WIN_DEFAULT, NULL, "%s default (%zu suites)",
                 st->base, st->profile.n_suites);
        return 0;
    }
    char *text = tlsd_reg_string(use, ',');
    if (!text)
        return -1;
    struct tlsd_win_line *l =
        add_line(st, "cipher suite order", pol ? TLSD_WIN_POLICY : TLSD_WIN_LOCAL, use, "%s",
                 pol ? "Group Policy SSL Cipher Suite Order" : "local order (Functions)");
    if (pol && loc)
        snprintf(l->note, sizeof l->note, "overrides the local order at %s:%u", loc->file,
                 loc->line);
    if (pol)
        st->profile.flags |= TLSD_PF_POLICY_SUITE_ORDER;
    st->profile.n_suites = 0;
    bool by_suffix = ws->n_curve_suffixes > 0;
    if (by_suffix)
        st->profile.n_groups = 0; /* the list's suffixes name the curves */
    size_t unsupported = 0, unknown = 0;
    for (char *tok = strtok(text, ", \t"); tok; tok = strtok(NULL, ", \t")) {
        uint32_t code;
        const struct tlsd_suite *s;
        if (tlsd_suite_resolve(tok, strlen(tok), &code, &s) != TLSD_TOKEN_OK) {
            add_line(st, "  unknown suite", l->origin, use, "%.100s: left out", tok);
            unknown++;
        } else if (!tlsd_windows_support_has_suite(ws, code)) {
            add_line(st, "  unsupported suite", l->origin, use, "%.100s: %s does not have it", tok,
                     st->base);
            unsupported++;
        } else if (by_suffix) {
            int took = suffix_release_takes(st, ws, tok, code);
            if (took < 0)
                break;
            if (!took) {
                add_line(st, "  unsupported suite", l->origin, use,
                         "%.100s: %s knows ECDHE suites only with a curve suffix (_P256, "
                         "_P384, _P521)",
                         tok, st->base);
                unsupported++;
            }
        } else if (tlsd_profile_add_suite(&st->profile, code) < 0) {
            break;
        }
    }
    free(text);
    snprintf(l->value + strlen(l->value), sizeof l->value - strlen(l->value),
             ": %zu listed suites supported", st->profile.n_suites);
    return 0;
}

static bool field_matches(const char *spec, const struct tlsd_suite *s)
{
    const char *eq = strchr(spec, '=');
    if (!eq)
        return false;
    size_t fl = (size_t)(eq - spec);
    /* the data's spec names the registry's spelling of a column */
    const char *field = strncmp(spec, "cipher", fl) == 0 ? tlsd_cipher_name(s->cipher)
                        : strncmp(spec, "mac", fl) == 0  ? tlsd_mac_name(s->mac)
                        : strncmp(spec, "kx", fl) == 0   ? tlsd_kx_name(s->kx)
                                                         : NULL;
    if (!field)
        return false;
    for (const char *p = eq + 1; *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool prefix = n > 0 && p[n - 1] == '*';
        size_t cmp = prefix ? n - 1 : n;
        if (strncmp(field, p, cmp) == 0 && (prefix || field[cmp] == '\0'))
            return true;
        p += n + (e ? 1 : 0);
    }
    return false;
}

/* Ciphers, Hashes, KeyExchangeAlgorithms: Enabled = 0 removes the matching suites. */
static void algorithm_switches(struct tlsd_win_state *st, const struct tlsd_reg *reg)
{
    for (size_t i = 0; i < tlsd_schannel_settings_n_; i++) {
        const struct tlsd_schannel_setting *s = &tlsd_schannel_settings_[i];
        if (s->kind != TLSD_SET_CIPHER && s->kind != TLSD_SET_HASH && s->kind != TLSD_SET_KX)
            continue;
        const struct tlsd_reg_value *v = tlsd_reg_find(reg, s->key, s->value);
        uint32_t on;
        if (!v || !tlsd_reg_dword(v, &on))
            continue;
        const char *name = strrchr(s->key, '\\') + 1;
        if (on) {
            struct tlsd_win_line *l = add_line(st, name, TLSD_WIN_LOCAL, v, "enabled (0x%x)", on);
            snprintf(l->note, sizeof l->note,
                     "adds no suite: the order list decides which suites are used");
            continue;
        }
        size_t kept = 0, removed = 0;
        for (size_t k = 0; k < st->profile.n_suites; k++) {
            const struct tlsd_suite *su = tlsd_suite_by_code(st->profile.suites[k]);
            if (su && field_matches(s->match, su))
                removed++;
            else
                st->profile.suite_curves[kept] = st->profile.suite_curves[k],
                st->profile.suites[kept++] = st->profile.suites[k];
        }
        st->profile.n_suites = kept;
        add_line(st, name, TLSD_WIN_LOCAL, v, "disabled: %zu suite%s removed", removed,
                 removed == 1 ? "" : "s");
    }
}

/* ---- curves, limits, .NET, logging --------------------------------------------- */

static void curves(struct tlsd_win_state *st, const struct tlsd_reg *reg,
                   const struct tlsd_windows_support *ws)
{
    const struct tlsd_reg_value *pol = order_value(reg, TLSD_SET_CURVES, ORIGIN_POLICY),
                                *loc = order_value(reg, TLSD_SET_CURVES, ORIGIN_LOCAL);
    const struct tlsd_reg_value *use = pol ? pol : loc;
    if (!use || ws->n_curve_suffixes) {
        struct tlsd_win_line *l =
            add_line(st, "ECC curve order", TLSD_WIN_DEFAULT, NULL, "%s",
                     ws->n_curve_suffixes ? "the suites' curve suffixes" : "default");
        if (use)
            snprintf(l->note, sizeof l->note,
                     "%s:%u is not read: before Windows 10 the curve is the suite name's suffix",
                     use->file, use->line);
        return;
    }
    char *text = tlsd_reg_string(use, ',');
    if (!text)
        return;
    struct tlsd_win_line *l = add_line(st, "ECC curve order",
                                       pol ? TLSD_WIN_POLICY : TLSD_WIN_LOCAL, use, "%.150s", text);
    if (pol && loc)
        snprintf(l->note, sizeof l->note, "overrides the local curve order at %s:%u", loc->file,
                 loc->line);
    st->profile.n_groups = 0;
    for (char *tok = strtok(text, ", \t"); tok; tok = strtok(NULL, ", \t")) {
        const struct tlsd_group *g = tlsd_group_by_name(tok);
        if (!g)
            snprintf(l->note, sizeof l->note, "unknown curve '%.60s' left out", tok);
        else if (st->profile.n_groups < TLSD_PROFILE_MAX_GROUPS &&
                 !tlsd_profile_has_group(&st->profile, g->code))
            st->profile.groups[st->profile.n_groups++] = g->code;
    }
    free(text);
}

static uint32_t *limit_field(struct tlsd_win_state *st, const char *name)
{
    if (strcmp(name, "dh_server_min") == 0)
        return &st->dh_server_min_bits;
    if (strcmp(name, "dh_client_min") == 0)
        return &st->dh_client_min_bits;
    if (strcmp(name, "rsa_client_min") == 0)
        return &st->rsa_client_min_bits;
    if (strcmp(name, "rsa_client_max") == 0)
        return &st->rsa_client_max_bits;
    return NULL;
}

/* Settings shown as they are: limits, .NET values, the event logging mask. */
static void plain_values(struct tlsd_win_state *st, const struct tlsd_reg *reg)
{
    for (size_t i = 0; i < tlsd_schannel_settings_n_; i++) {
        const struct tlsd_schannel_setting *s = &tlsd_schannel_settings_[i];
        if (s->kind != TLSD_SET_LIMIT && s->kind != TLSD_SET_DOTNET && s->kind != TLSD_SET_LOGGING)
            continue;
        const struct tlsd_reg_value *v = tlsd_reg_find(reg, s->key, s->value);
        uint32_t x;
        if (!v || !tlsd_reg_dword(v, &x))
            continue;
        char label[96];
        const char *leaf = strrchr(s->key, '\\') + 1;
        if (s->kind == TLSD_SET_DOTNET)
            snprintf(label, sizeof label, ".NET %s%s %s", leaf,
                     strstr(s->key, "Wow6432Node") ? " (32-bit)" : "", s->value);
        else
            snprintf(label, sizeof label, "%s %s", leaf, s->value);
        struct tlsd_win_line *l = add_line(st, label, TLSD_WIN_LOCAL, v, "%u", x);
        snprintf(l->note, sizeof l->note, "%.190s", s->meaning);
        uint32_t *f = s->kind == TLSD_SET_LIMIT ? limit_field(st, s->match) : NULL;
        if (f)
            *f = x;
    }
}

/* ---- putting it together --------------------------------------------------------- */

int tlsd_win_state_build(struct tlsd_win_state *st, const struct tlsd_reg *reg, const char *base,
                         const char *base_why, enum tlsd_side side, struct tlsd_reg_err *err)
{
    memset(st, 0, sizeof *st);
    char why[120];
    snprintf(why, sizeof why, "%s", base_why ? base_why : "given");
    if (!base || !*base) {
        base = named_base(reg, why, sizeof why);
        if (!base) {
            base = DEFAULT_BASE;
            snprintf(why, sizeof why, "assumed: the export names no Windows version");
        }
    }
    const struct tlsd_builtin_profile *b = tlsd_builtin_profile_find(base);
    const struct tlsd_windows_support *ws = b ? tlsd_windows_support_of(b->name) : NULL;
    if (!ws) {
        snprintf(err->msg, sizeof err->msg, "'%s' is not a built-in Windows profile", base);
        return -1;
    }
    struct tlsd_profile_err perr;
    if (tlsd_profile_builtin(b->name, side, &st->profile, &perr) < 0) {
        snprintf(err->msg, sizeof err->msg, "%s", perr.msg);
        return -1;
    }
    snprintf(st->base, sizeof st->base, "%s", b->name);
    snprintf(st->base_reason, sizeof st->base_reason, "%s", why);
    add_line(st, "base", TLSD_WIN_DEFAULT, NULL, "%s (%s)", st->base, st->base_reason);
    protocols(st, reg, ws, side == TLSD_SIDE_CLIENT);
    if (suite_order(st, reg, ws) < 0) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return -1;
    }
    algorithm_switches(st, reg);
    curves(st, reg, ws);
    plain_values(st, reg);
    return 0;
}

int tlsd_win_state_from_regs(const char *const *files, size_t n, const char *base,
                             const char *base_why, enum tlsd_side side, struct tlsd_win_state *st,
                             struct tlsd_reg_err *err)
{
    struct tlsd_reg reg = {0};
    memset(st, 0, sizeof *st);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = strcasecmp(files[i], "HKLM") == 0 ? tlsd_reg_apply_live(&reg, err)
                                               : tlsd_reg_apply_file(&reg, files[i], err);
    if (rc == 0)
        rc = tlsd_win_state_build(st, &reg, base, base_why, side, err);
    tlsd_reg_free(&reg);
    if (rc == 0) {
        snprintf(st->profile.name, sizeof st->profile.name, "reg:%s%s%s", files[0],
                 n > 1 ? ",..." : "", "");
        snprintf(st->profile.source, sizeof st->profile.source, "registry export over %s (%s)",
                 st->base, st->base_reason);
        snprintf(st->profile.description, sizeof st->profile.description,
                 "effective Schannel configuration from %zu registry export%s", n,
                 n == 1 ? "" : "s");
    }
    return rc;
}

int tlsd_win_state_from_reg(const char *spec, enum tlsd_side side, struct tlsd_win_state *st,
                            struct tlsd_reg_err *err)
{
    char *copy = strdup(spec);
    if (!copy) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return -1;
    }
    /* @BASE is a built-in name, so it never holds a '/' (a path with '@' stays whole). */
    char *at = strrchr(copy, '@');
    const char *base = NULL;
    if (at && !strchr(at, '/')) {
        *at = '\0';
        base = at + 1;
    }
    const char *files[64], *gpresult = NULL;
    size_t n = 0;
    for (char *tok = strtok(copy, ","); tok && n < sizeof files / sizeof files[0];
         tok = strtok(NULL, ",")) {
        size_t tl = strlen(tok);
        if (tl > 4 && strcasecmp(tok + tl - 4, ".xml") == 0)
            gpresult = tok; /* gpresult /x output, not a registry export */
        else
            files[n++] = tok;
    }
    int rc = n ? tlsd_win_state_from_regs(files, n, base, NULL, side, st, err)
               : (snprintf(err->msg, sizeof err->msg, "reg: needs a .reg file"), -1);
    if (rc == 0 && gpresult)
        tlsd_win_gpresult_file(st, gpresult);
    free(copy);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The OS version line the collection script writes ("Microsoft Windows NT
 * 10.0.20348.0") and the product name ("... Server ..."). */
static const char *folder_base(const char *folder, char *why, size_t why_len)
{
    char path[4096], line[256] = "";
    snprintf(path, sizeof path, "%s/%s", folder, TLSD_WIN_STATE_OSVERSION);
    FILE *f = tlsd_fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    size_t tl = 0;
    char *text = tlsd_text_decode((const uint8_t *)line, n, &tl, NULL);
    const char *base = NULL;
    /* "10.0.17763.0" (or "6.3.9600.0"): major.minor.build */
    for (const char *p = text; p && *p && !base; p++) {
        unsigned major, minor, build;
        if (isdigit((unsigned char)*p) && (p == text || !isdigit((unsigned char)p[-1])) &&
            sscanf(p, "%u.%u.%u", &major, &minor, &build) == 3 && build > 0) {
            base = tlsd_win_profile_of_build(build, tlsd_strcasestr(text, "Server") != NULL);
            snprintf(why, why_len, "named by %s (build %u)", TLSD_WIN_STATE_OSVERSION, build);
        }
    }
    free(text);
    return base;
}

/* The folder's *.reg files (at most 64), as paths. */
struct reg_files {
    const char *folder;
    char *files[64];
    size_t n;
};

static int add_reg_file(void *ctx, const char *name)
{
    struct reg_files *rf = ctx;
    size_t l = strlen(name);
    if (l > 4 && strcasecmp(name + l - 4, ".reg") == 0 &&
        asprintf(&rf->files[rf->n], "%s/%s", rf->folder, name) >= 0)
        rf->n++;
    return rf->n == sizeof rf->files / sizeof rf->files[0];
}

int tlsd_win_state_from_folder(const char *folder, enum tlsd_side side, struct tlsd_win_state *st,
                               struct tlsd_reg_err *err)
{
    struct reg_files rf = {.folder = folder};
    if (tlsd_dir_names(folder, add_reg_file, &rf) != 0) {
        snprintf(err->msg, sizeof err->msg, "%s: not a folder that can be read", folder);
        return -1;
    }
    char **files = rf.files;
    size_t n = rf.n;
    tlsd_qsort(files, n, sizeof files[0], by_name);
    /* The exports' own CurrentVersion (ProductName tells server from client) first,
     * then the OS version line. */
    int rc =
        n ? tlsd_win_state_from_regs((const char *const *)files, n, NULL, NULL, side, st, err)
          : (snprintf(err->msg, sizeof err->msg, "%s: no .reg export in the folder", folder), -1);
    char why[120] = "";
    const char *base = rc == 0 && strncmp(st->base_reason, "assumed", 7) == 0
                           ? folder_base(folder, why, sizeof why)
                           : NULL;
    if (base)
        rc = tlsd_win_state_from_regs((const char *const *)files, n, base, why, side, st, err);
    if (rc == 0)
        tlsd_win_gpresult(st, folder);
    if (rc == 0)
        snprintf(st->profile.name, sizeof st->profile.name, "windows-state:%.80s", folder);
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    return rc;
}

#define SPEC_REG    "reg:"
#define SPEC_FOLDER "windows-state:"
#define SPEC_LOCAL  "local" /* this machine's live registry: reg:HKLM */

/* "local" or "local@BASE". */
static bool is_local(const char *spec)
{
    size_t n = strlen(SPEC_LOCAL);
    return strncasecmp(spec, SPEC_LOCAL, n) == 0 && (spec[n] == '\0' || spec[n] == '@');
}

bool tlsd_win_spec(const char *spec)
{
    return strncasecmp(spec, SPEC_REG, strlen(SPEC_REG)) == 0 ||
           strncasecmp(spec, SPEC_FOLDER, strlen(SPEC_FOLDER)) == 0 || is_local(spec);
}

/* local[@BASE] is reg:HKLM[@BASE]; elsewhere than Windows the error names what to use. */
static int win_state_local(const char *spec, enum tlsd_side side, struct tlsd_win_state *st,
                           struct tlsd_reg_err *err)
{
    char reg[256];
    snprintf(reg, sizeof reg, "HKLM%.200s", spec + strlen(SPEC_LOCAL));
    unsigned major, minor, build;
    if (!tlsd_os_version(&major, &minor, &build)) {
        snprintf(err->msg, sizeof err->msg,
                 "'local' reads this machine's live registry, which only Windows has; "
                 "elsewhere use reg:FILE[,FILE...] with the server's 'reg export' files, or "
                 "windows-state:FOLDER");
        return -1;
    }
    return tlsd_win_state_from_reg(reg, side, st, err);
}

int tlsd_win_state_load(const char *spec, enum tlsd_side side, struct tlsd_win_state *st,
                        struct tlsd_reg_err *err)
{
    if (strncasecmp(spec, SPEC_REG, strlen(SPEC_REG)) == 0)
        return tlsd_win_state_from_reg(spec + strlen(SPEC_REG), side, st, err);
    if (strncasecmp(spec, SPEC_FOLDER, strlen(SPEC_FOLDER)) == 0)
        return tlsd_win_state_from_folder(spec + strlen(SPEC_FOLDER), side, st, err);
    if (is_local(spec))
        return win_state_local(spec, side, st, err);
    snprintf(err->msg, sizeof err->msg, "'%.100s' is not reg:, windows-state: or local", spec);
    return -1;
}

int tlsd_profile_from_windows(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                              char *err_msg, size_t err_len)
{
    struct tlsd_win_state *st = malloc(sizeof *st);
    struct tlsd_reg_err err = {{0}};
    int rc = st ? tlsd_win_state_load(spec, side, st, &err) : -1;
    if (rc == 0)
        *p = st->profile;
    else
        snprintf(err_msg, err_len, "%s", st ? err.msg : "out of memory");
    free(st);
    return rc;
}
