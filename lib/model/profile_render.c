/* A profile, and a Windows server's effective configuration, as text and as JSON: what
 * `tlsdiag profiles PROFILE` shows. Renderers only: the caller prints. */
#include <stdio.h>

#include "tlsdiag/dotnet.h"
#include "tlsdiag/json.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/winreg.h"
#include "windows/winreg_internal.h"

static const char *version_name(unsigned bit)
{
    const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(bit));
    return v ? v->name : "-";
}

static json_t *settings_json(unsigned bits)
{
    json_t *a = json_array();
    for (unsigned b = TLSD_DOTNET_SCH_USE_STRONG_CRYPTO; b <= TLSD_DOTNET_SYSTEM_DEFAULT_TLS;
         b <<= 1)
        if (bits & b)
            json_array_append_new(a, json_string(tlsd_dotnet_setting_name(b)));
    return a;
}

/* A .NET application: what decides its versions (include/tlsdiag/dotnet.h). */
static json_t *dotnet_json(const struct tlsd_dotnet *d)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:b, s:b}", "framework",
                     tlsd_dotnet_target_name(d->target), "windows", d->windows, "registry",
                     settings_json(d->registry), "appcontext", settings_json(d->appcontext),
                     "system_default", tlsd_dotnet_system_default(d), "strong_crypto",
                     tlsd_dotnet_strong_crypto(d));
}

static void settings_text(struct tlsd_strbuf *b, const char *what, unsigned bits)
{
    tlsd_sb_printf(b, "; %s:", what);
    for (unsigned s = TLSD_DOTNET_SCH_USE_STRONG_CRYPTO; s <= TLSD_DOTNET_SYSTEM_DEFAULT_TLS;
         s <<= 1)
        if (bits & s)
            tlsd_sb_printf(b, " %s", tlsd_dotnet_setting_name(s));
    if (!bits)
        tlsd_sb_puts(b, " none");
}

static void dotnet_text(struct tlsd_strbuf *b, const struct tlsd_dotnet *d)
{
    tlsd_sb_printf(b, "  .NET: targets %s, on %s", tlsd_dotnet_target_name(d->target), d->windows);
    settings_text(b, "registry", d->registry);
    settings_text(b, "AppContext", d->appcontext);
    tlsd_sb_printf(b, "\n        versions chosen by %s%s\n",
                   tlsd_dotnet_system_default(d) ? "Windows (SystemDefault)" : "the framework",
                   tlsd_dotnet_strong_crypto(d) ? "; SCH_USE_STRONG_CRYPTO (weak suites filtered)"
                                                : "");
}

/* Before Windows 10, the curves a registry list gave each ECDHE suite: {suite: [group]},
 * or NULL when no suite is bound to some. */
static json_t *listed_curves_json(const struct tlsd_profile *p)
{
    json_t *o = NULL;
    for (size_t i = 0; i < p->n_suites; i++) {
        uint16_t g[TLSD_WINDOWS_MAX_SUFFIXES];
        size_t ng = tlsd_windows_listed_groups(p, i, g);
        const struct tlsd_suite *st = tlsd_suite_by_code(p->suites[i]);
        if (!ng || !st || (!o && !(o = json_object())))
            continue;
        json_t *a = json_array();
        for (size_t k = 0; k < ng; k++) {
            const struct tlsd_group *gr = tlsd_group_by_code(g[k]);
            json_array_append_new(a, gr ? json_string(gr->name) : json_integer(g[k]));
        }
        json_object_set_new(o, st->iana_name, a);
    }
    return o;
}

json_t *tlsd_profile_to_json(const struct tlsd_profile *p)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", p->name, "description",
                          p->description, "source", p->source, "side", tlsd_side_name(p->side),
                          "implementation", tlsd_impl_name(p->impl), "preference",
                          tlsd_profile_pref(p) == TLSD_PREF_SERVER ? "server" : "client");
    json_t *v = json_array(), *s = json_array(), *g = json_array(), *c = json_array();
    for (unsigned b = 1; b <= TLSD_V_TLS13; b <<= 1)
        if (p->versions & b)
            json_array_append_new(v, json_string(version_name(b)));
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(p->suites[i]);
        char hex[12];
        snprintf(hex, sizeof hex, "0x%04X", (unsigned)p->suites[i]);
        json_array_append_new(s, json_string(st ? st->iana_name : hex));
    }
    for (size_t i = 0; i < p->n_groups; i++) {
        const struct tlsd_group *gr = tlsd_group_by_code(p->groups[i]);
        json_array_append_new(g, gr ? json_string(gr->name) : json_integer(p->groups[i]));
    }
    for (size_t i = 0; i < p->n_certs; i++)
        json_array_append_new(c,
                              json_pack("{s:s, s:i}", "type", tlsd_key_type_name(p->certs[i].type),
                                        "bits", p->certs[i].bits));
    json_object_set_new(j, "versions", v);
    json_object_set_new(j, "suites", s);
    json_t *listed = listed_curves_json(p);
    if (listed)
        json_object_set_new(j, "suite_curves", listed);
    json_object_set_new(j, "groups", g);
    json_object_set_new(j, "certificates", c);
    if (p->dotnet.target != TLSD_DOTNET_NONE)
        json_object_set_new(j, "dotnet", dotnet_json(&p->dotnet));
    if (p->dh_bits)
        json_object_set_new(j, "dh_bits", json_integer(p->dh_bits));
    if (p->dh_bits_min)
        json_object_set_new(j, "dh_bits_min", json_integer(p->dh_bits_min));
    if (p->dh_bits_max)
        json_object_set_new(j, "dh_bits_max", json_integer(p->dh_bits_max));
    if (p->ssl3_alert != TLSD_ALERT_UNKNOWN)
        json_object_set_new(j, "ssl3_alert", json_integer(p->ssl3_alert));
    if (p->security_level != TLSD_SECLEVEL_UNKNOWN)
        json_object_set_new(j, "security_level", json_integer(p->security_level));
    return j;
}

void tlsd_profile_text(const struct tlsd_profile *p, struct tlsd_strbuf *b)
{
    tlsd_sb_printf(b, "%s (%s, %s)\n", p->name, tlsd_side_name(p->side), tlsd_impl_name(p->impl));
    if (p->description[0])
        tlsd_sb_printf(b, "  %s\n", p->description);
    if (p->source[0])
        tlsd_sb_printf(b, "  source: %s\n", p->source);
    if (p->dotnet.target != TLSD_DOTNET_NONE)
        dotnet_text(b, &p->dotnet);
    tlsd_sb_puts(b, "  versions:");
    for (unsigned v = 1; v <= TLSD_V_TLS13; v <<= 1)
        if (p->versions & v)
            tlsd_sb_printf(b, " %s", version_name(v));
    tlsd_sb_printf(b, "\n  preference: %s order\n  groups:",
                   tlsd_profile_pref(p) == TLSD_PREF_SERVER ? "server" : "client");
    for (size_t i = 0; i < p->n_groups; i++) {
        const struct tlsd_group *g = tlsd_group_by_code(p->groups[i]);
        tlsd_sb_printf(b, " %s", g ? g->name : "?");
    }
    tlsd_sb_puts(b, "\n  certificates:");
    for (size_t i = 0; i < p->n_certs; i++)
        tlsd_sb_printf(b, " %s%s", tlsd_key_type_name(p->certs[i].type),
                       i + 1 < p->n_certs ? "," : "");
    if (p->dh_bits)
        tlsd_sb_printf(b, "\n  DHE prime (TLS <= 1.2): %d bits", p->dh_bits);
    if (p->dh_bits_min || p->dh_bits_max)
        tlsd_sb_printf(b, "\n  DHE primes accepted: %d to %d bits", p->dh_bits_min,
                       p->dh_bits_max ? p->dh_bits_max : TLSD_PROFILE_MAX_DH_BITS);
    if (p->ssl3_alert != TLSD_ALERT_UNKNOWN)
        tlsd_sb_printf(b, "\n  answers an SSLv3 hello with alert %d", p->ssl3_alert);
    if (p->security_level != TLSD_SECLEVEL_UNKNOWN)
        tlsd_sb_printf(b, "\n  OpenSSL security level %d", p->security_level);
    tlsd_sb_printf(b, "\n  suites (%zu):\n", p->n_suites);
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(p->suites[i]);
        tlsd_sb_printf(b, "    %3zu 0x%04X %s", i + 1, (unsigned)p->suites[i],
                       s ? s->iana_name : "?");
        uint16_t g[TLSD_WINDOWS_MAX_SUFFIXES];
        size_t ng = tlsd_windows_listed_groups(p, i, g);
        for (size_t k = 0; k < ng; k++) {
            const struct tlsd_group *gr = tlsd_group_by_code(g[k]);
            tlsd_sb_printf(b, "%s%s", k ? " " : " (listed with ", gr ? gr->name : "?");
        }
        tlsd_sb_puts(b, ng ? ")\n" : "\n");
    }
}

json_t *tlsd_win_state_to_json(const struct tlsd_win_state *st)
{
    json_t *lines = json_array();
    for (size_t i = 0; i < st->n_lines; i++) {
        const struct tlsd_win_line *l = &st->lines[i];
        json_array_append_new(
            lines, json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "setting", l->setting, "value",
                             l->value, "origin", tlsd_win_origin_name(l->origin), "where",
                             l->where[0] ? l->where : NULL, "note", l->note[0] ? l->note : NULL));
    }
    json_t *j = tlsd_profile_to_json(&st->profile);
    json_object_set_new(j, "windows",
                        json_pack("{s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:o}", "base", st->base,
                                  "base_reason", st->base_reason, "limits", "dh_server_min_bits",
                                  st->dh_server_min_bits, "dh_client_min_bits",
                                  st->dh_client_min_bits, "rsa_client_min_bits",
                                  st->rsa_client_min_bits, "rsa_client_max_bits",
                                  st->rsa_client_max_bits, "settings", lines));
    return j;
}

void tlsd_win_state_text(const struct tlsd_win_state *st, struct tlsd_strbuf *b)
{
    tlsd_profile_text(&st->profile, b);
    tlsd_sb_puts(b, "  configuration (where each setting came from):\n");
    for (size_t i = 0; i < st->n_lines; i++) {
        const struct tlsd_win_line *l = &st->lines[i];
        tlsd_sb_printf(b, "    %-32s %-8s %s", l->setting, tlsd_win_origin_name(l->origin),
                       l->value);
        if (l->where[0])
            tlsd_sb_printf(b, "  [%s]", l->where);
        tlsd_sb_puts(b, "\n");
        if (l->note[0])
            tlsd_sb_printf(b, "    %-32s          (%s)\n", "", l->note);
    }
}
