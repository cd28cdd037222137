/* tlsdiag serve: stand in for a server. Listens, negotiates as the server profile would
 * (local libssl), and prints per client what it offered, the model's prediction, what
 * really happened and, on a failure, the fixes on either side. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform.h"

#include "tlsdiag/fingerprint.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/serve.h"
#include "tlsdiag/textout.h"
#include "tool.h"

static const char help_text[] =
    "Usage: tlsdiag serve --profile PROFILE [--port N] [options]\n"
    "\n"
    "A TLS server that negotiates as PROFILE would (versions, suites and their order,\n"
    "server or client preference, groups, certificate key type), with the local\n"
    "OpenSSL. Every ClientHello is recorded; for each client it prints what the client\n"
    "offered, what the model predicts ('tlsdiag match'), what really happened and, on a\n"
    "failure, the fixes on either side. Point a printer at it before changing the real\n"
    "server. A profile that resets on no match (Windows) resets the TCP connection\n"
    "instead of sending an alert, as Schannel does. Suites the local OpenSSL cannot\n"
    "serve (3DES, RC4 in OpenSSL 3) are listed at start-up.\n"
    "\n"
    "Options:\n"
    "  -p, --profile PROFILE     the server profile (built-in name, file, inline text;\n"
    "                            builtin:NAME or ./NAME when a file has a built-in's\n"
    "                            name)\n"
    "      --port N              port to listen on (default 4433; 0 = any free port)\n"
    "      --bind ADDR           address to listen on (default 0.0.0.0)\n"
    "      --cert FILE           certificate chain (PEM) instead of a generated one\n"
    "      --key FILE            its private key (PEM; default: in --cert)\n"
    "      --record-only         record the hello, answer handshake_failure\n"
    "      --max-clients N       simultaneous clients (default 256); past it the client\n"
    "                            waiting longest without a whole ClientHello is\n"
    "                            evicted, or with none such the new one is reset\n"
    "      --max-per-address N   the same per client IP address (default 32)\n"
    "      --hello-timeout T     time limit until the ClientHello is whole (default 5s)\n"
    "      --handshake-timeout T time limit of a handshake (default 10s)\n"
    "      --idle-timeout T      close a connection this long after its handshake\n"
    "                            (default 30s)\n"
    "      --max-bytes SIZE      bytes read from one client at most (default 256K)\n"
    "      --count N             stop after N clients (default: run until interrupted)\n"
    "      --fixes N             fixes to show per side on a failure (default 3)\n"
    "      --user USER           when started as root: the user to switch to once the\n"
    "                            port is open and the key loaded (default nobody)\n"
    "      --json                one JSON array of every client, each written as it\n"
    "                            is known (the array is closed when serve stops)\n"
    "      --jsonl               one JSON object per client, as each one is known\n"
    "      --color, --no-color   colour on / off (default: on a terminal)\n"
    "  -h, --help                this help\n"
    "  T: 500ms, 5s, 1m; a bare number is seconds. SIZE: bytes, or with K, M, G.\n"
    "\n"
    "Examples:\n"
    "  tlsdiag serve --profile windows-2025 --port 443\n"
    "  tlsdiag serve --profile windows-2022-23h2 --port 5012 --record-only --jsonl\n"
    "\n"
    "The listening address and what cannot be served are written to stderr.\n"
    "Exit status: 0 stopped by a signal or after --count clients; 2 usage error;\n"
    "3 could not start (profile, certificate, port).\n";

struct opts {
    struct tlsd_serve_opts s;
    const char *profile, *user;
    size_t n_fixes;
    bool json, jsonl;
    enum tool_color_mode color;
};

/* Distinct ClientHellos (by JA4) the summary names. */
#define SERVE_SUM_HELLOS            16
#define SERVE_CLIENTS_MAX           100000u             /* --max-clients, --max-per-address */
#define SERVE_HANDSHAKE_TIME_MAX_MS (3600u * 1000)      /* --hello-, --handshake-timeout */
#define SERVE_IDLE_TIME_MAX_MS      (86400u * 1000)     /* --idle-timeout */
#define SERVE_BYTES_MAX             ((uint64_t)1 << 30) /* --max-bytes */
#define SERVE_COUNT_MAX             1000000u            /* --count */

/* What the summary says when serve stops (text output). */
struct serve_sum {
    unsigned clients, agree, disagree;
    unsigned endings[TLSD_OUTCOME_COUNT], details[TLSD_DETAIL_COUNT]; /* by end_word */
    char hellos[SERVE_SUM_HELLOS][TLSD_JA4_LEN + 1];
    char hello_peer[SERVE_SUM_HELLOS][64]; /* the first client that sent it */
    unsigned hello_count[SERVE_SUM_HELLOS];
    size_t n_hellos;
    unsigned other_hellos; /* clients whose hello was not among the first ones */
};

struct run {
    const struct opts *o;
    const struct tlsd_profile *server;
    size_t n_json; /* --json: clients written so far (the array is streamed) */
    bool color, failed;
    struct tlsd_serve_setup setup; /* what the local OpenSSL cannot serve */
    struct serve_sum sum;
};

/* A count option from min to max into *out; false (said on stderr) otherwise. */
static bool count_opt(const char *opt, uint64_t min, uint64_t max, unsigned *out)
{
    uint64_t v;
    if (tool_parse_number("serve", opt, optarg, min, max, &v) < 0)
        return false;
    *out = (unsigned)v;
    return true;
}

/* A duration option (a bare number is seconds) up to max_ms, in milliseconds. */
static bool ms_opt(const char *opt, uint64_t max_ms, unsigned *out)
{
    uint64_t v;
    if (tool_parse_duration("serve", opt, optarg, TOOL_UNIT_S, 1, max_ms, &v) < 0)
        return false;
    *out = (unsigned)v;
    return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {{"profile", required_argument, NULL, 'p'},
                                             {"port", required_argument, NULL, 'P'},
                                             {"bind", required_argument, NULL, 'b'},
                                             {"cert", required_argument, NULL, 'c'},
                                             {"key", required_argument, NULL, 'k'},
                                             {"record-only", no_argument, NULL, 'r'},
                                             {"max-clients", required_argument, NULL, 'm'},
                                             {"max-per-address", required_argument, NULL, 'A'},
                                             {"hello-timeout", required_argument, NULL, 'H'},
                                             {"user", required_argument, NULL, 'u'},
                                             {"handshake-timeout", required_argument, NULL, 't'},
                                             {"idle-timeout", required_argument, NULL, 'i'},
                                             {"max-bytes", required_argument, NULL, 'B'},
                                             {"count", required_argument, NULL, 'n'},
                                             {"fixes", required_argument, NULL, 'f'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"jsonl", no_argument, NULL, 'l'},
                                             TOOL_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    int c;
    bool bad = false;
    unsigned n = 0;
    uint64_t v = 0;
    int nopt = tool_permute(argc, argv, "+p:h", longopts);
    while ((c = getopt_long(nopt, argv, "+p:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o->profile = optarg;
            break;
        case 'P':
            bad |= !count_opt("--port", 0, 65535, &n);
            o->s.port = (uint16_t)n;
            break;
        case 'b':
            o->s.bind = optarg;
            break;
        case 'c':
            o->s.cert_file = optarg;
            break;
        case 'k':
            o->s.key_file = optarg;
            break;
        case 'r':
            o->s.record_only = true;
            break;
        case 'm':
            bad |= !count_opt("--max-clients", 1, SERVE_CLIENTS_MAX, &o->s.max_clients);
            break;
        case 'A':
            bad |= !count_opt("--max-per-address", 1, SERVE_CLIENTS_MAX, &o->s.max_per_address);
            break;
        case 'H':
            bad |= !ms_opt("--hello-timeout", SERVE_HANDSHAKE_TIME_MAX_MS, &o->s.hello_timeout_ms);
            break;
        case 'u':
            o->user = optarg;
            break;
        case 't':
            bad |= !ms_opt("--handshake-timeout", SERVE_HANDSHAKE_TIME_MAX_MS,
                           &o->s.handshake_timeout_ms);
            break;
        case 'i':
            bad |= !ms_opt("--idle-timeout", SERVE_IDLE_TIME_MAX_MS, &o->s.idle_timeout_ms);
            break;
        case 'B':
            bad |= tool_parse_size("serve", "--max-bytes", optarg, 1, SERVE_BYTES_MAX, &v) < 0;
            o->s.max_bytes = (size_t)v;
            break;
        case 'n':
            bad |= !count_opt("--count", 0, SERVE_COUNT_MAX, &o->s.count);
            break;
        case 'f':
            bad |= tool_parse_fixes("serve", optarg, &o->n_fixes) < 0;
            break;
        case 'j':
            o->json = true;
            break;
        case 'l':
            o->jsonl = true;
            break;
        default: {
            int r = tool_common_option(c, help_text, &o->color);
            if (r != 0)
                return r;
        }
        }
    }
    if (bad) /* the value's parser said why */
        return -1;
    if (optind < argc || !o->profile || (o->json && o->jsonl)) {
        tool_err("serve", "%s",
                 !o->profile     ? "--profile is required"
                 : optind < argc ? "unexpected operand (serve takes options only)"
                                 : "--json and --jsonl: one or the other");
        return -1;
    }
    return 0;
}

/* ---- what the client offered -------------------------------------------------------- */

static void versions_text(const struct tlsd_profile *p, char *buf, size_t len)
{
    buf[0] = '\0';
    for (unsigned bit = 1; bit <= TLSD_V_TLS13; bit <<= 1)
        if (p->versions & bit) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, "%s%s", n ? " " : "",
                     tlsd_version_code_name(tlsd_version_of_bit(bit)));
        }
}

static void print_offer(const struct tlsd_serve_client *c)
{
    char v[96];
    versions_text(c->client, v, sizeof v);
    printf("  offered: %s; %zu suites:", v, c->client->n_suites);
    for (size_t i = 0; i < c->client->n_suites && i < 8; i++)
        printf(" %s", tlsd_suite_code_name(c->client->suites[i]));
    printf("%s\n", c->client->n_suites > 8 ? " ..." : "");
    printf("           groups:");
    for (size_t i = 0; i < c->client->n_groups; i++)
        printf(" %s", tlsd_group_code_name(c->client->groups[i]));
    char sni[4 * 256];
    const char *name = c->hello->server_name;
    printf("%s; server name: %s\n", c->client->n_groups ? "" : " none",
           name ? tlsd_text_escape(name, strlen(name), sni, sizeof sni) : "none");
}

/* How a client's connection ended, in a word: the detail where it says more than the
 * ending (a time limit, a cap, --record-only), else the ending. */
static bool word_is_detail(const struct tlsd_serve_client *c)
{
    return c->detail != TLSD_DETAIL_NONE && c->detail != TLSD_DETAIL_RESET &&
           c->detail != TLSD_DETAIL_CLOSED;
}

static const char *end_word(const struct tlsd_serve_client *c)
{
    return word_is_detail(c) ? tlsd_ending_detail_name(c->detail)
                             : tlsd_conn_outcome_name(c->ending);
}

static void print_real(const struct tlsd_serve_client *c)
{
    printf("  real:    ");
    switch (c->ending) {
    case TLSD_OUTCOME_SUCCESS:
        printf("handshake completed: %s, %s (0x%04X)", tlsd_version_code_name(c->version),
               tlsd_suite_code_name(c->suite), (unsigned)c->suite);
        if (c->group)
            printf(", group %s", tlsd_group_code_name(c->group));
        printf("\n");
        return;
    case TLSD_OUTCOME_SERVER_ALERT:
    case TLSD_OUTCOME_CLIENT_ALERT:
        printf("%s alert %d (%s)",
               c->ending == TLSD_OUTCOME_CLIENT_ALERT ? "the client sent" : "sent", c->alert,
               tlsd_alert_code_name(c->alert));
        break;
    case TLSD_OUTCOME_RESET_AFTER_HELLO:
        printf("refused: TCP reset without an alert, as Schannel does");
        break;
    default:
        printf("%s", end_word(c));
    }
    if (c->ending != TLSD_OUTCOME_SUCCESS && c->suite)
        printf(" after the server chose %s, %s", tlsd_version_code_name(c->version),
               tlsd_suite_code_name(c->suite));
    printf("%s%s%s\n", c->ssl_error[0] ? " (OpenSSL: " : "", c->ssl_error,
           c->ssl_error[0] ? ")" : "");
}

/* The model and libssl agree: both succeed with the same version and suite (a client
 * that went away after the server's choice counts as success), or both refuse (alert or
 * reset alike, as the prediction says). Not asked of a --record-only client. */
static bool agrees(const struct tlsd_serve_client *c)
{
    const struct tlsd_outcome *p = &c->predicted;
    enum tlsd_conn_outcome want = tlsd_outcome_ending(p);
    bool client_went = c->ending == TLSD_OUTCOME_ABORTED &&
                       (c->detail == TLSD_DETAIL_RESET || c->detail == TLSD_DETAIL_CLOSED);
    if (c->ending == TLSD_OUTCOME_SUCCESS || (client_went && c->suite != 0))
        return p->ok && p->version == c->version && p->suite == c->suite;
    if (c->ending == TLSD_OUTCOME_RESET_AFTER_HELLO)
        return want == TLSD_OUTCOME_RESET_AFTER_HELLO;
    if (c->ending == TLSD_OUTCOME_SERVER_ALERT || c->ending == TLSD_OUTCOME_CLIENT_ALERT)
        return want == TLSD_OUTCOME_SERVER_ALERT || want == TLSD_OUTCOME_CLIENT_ALERT;
    return false;
}

static bool has_suite(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static bool has_group(const uint16_t *v, size_t n, uint16_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

/* Why the real handshake (the local OpenSSL standing in for the server) and the model
 * disagree, as far as the setup tells. */
static void disagree_reason(const struct run *r, const struct tlsd_serve_client *c, char *buf,
                            size_t len)
{
    const struct tlsd_outcome *p = &c->predicted;
    const struct tlsd_serve_setup *s = &r->setup;
    bool real_ok = c->ending == TLSD_OUTCOME_SUCCESS || c->suite != 0;
    if (p->ok && has_suite(s->unservable, s->n_unservable, p->suite))
        snprintf(buf, len, "the local OpenSSL cannot serve %s, which the real server would choose",
                 tlsd_suite_code_name(p->suite));
    else if (p->ok && (s->unservable_versions & tlsd_version_bit(p->version)))
        snprintf(buf, len, "the local OpenSSL cannot serve %s, which the real server would use",
                 tlsd_version_code_name(p->version));
    else if (p->ok && p->group && has_group(s->unservable_groups, s->n_unservable_groups, p->group))
        snprintf(buf, len,
                 "the local OpenSSL does not know group %s, which the real server "
                 "would use",
                 tlsd_group_code_name(p->group));
    else if (p->ok && !real_ok)
        snprintf(buf, len, "the local OpenSSL refused what the model accepts%s%s",
                 c->ssl_error[0] ? ": " : "", c->ssl_error);
    else if (p->ok)
        snprintf(buf, len,
                 "the local OpenSSL chose %s %s where the model chose %s %s (its "
                 "order or limits differ from the real server's)",
                 tlsd_version_code_name(c->version), tlsd_suite_code_name(c->suite),
                 tlsd_version_code_name(p->version), tlsd_suite_code_name(p->suite));
    else if (real_ok)
        snprintf(buf, len, "the local OpenSSL accepted what the real server refuses (%s)",
                 tlsd_fail_class_text(p->fail));
    else
        snprintf(buf, len, "both refuse, but the model expects %s",
                 p->reset ? "a TCP reset (as Schannel does)" : "an alert");
}

static void print_client(const struct run *r, const struct tlsd_serve_client *c)
{
    printf("client %u %s: %s\n", c->id, c->peer, end_word(c));
    if (c->note[0])
        printf("  %s\n", c->note);
    if (!c->have_hello) {
        if (c->hello_error[0])
            printf("  %s: %s\n",
                   c->ending == TLSD_OUTCOME_NOT_TLS ? "not a ClientHello" : "no hello",
                   c->hello_error);
        printf("\n");
        fflush(stdout);
        return;
    }
    print_offer(c);
    printf("  model:   ");
    fflush(stdout);
    tool_print_outcome(&c->predicted);
    print_real(c);
    if (c->detail != TLSD_DETAIL_RECORDED) {
        bool a = agrees(c);
        char why[400] = "";
        if (!a)
            disagree_reason(r, c, why, sizeof why);
        printf("  %s%s%s%s%s\n",
               tlsd_class_style(a ? TLSD_CLASS_RECOMMENDED : TLSD_CLASS_INSECURE, r->color),
               a ? "the model and the real handshake agree"
                 : "the model and the real handshake DISAGREE",
               tlsd_style(TLSD_SGR_RESET, r->color), why[0] ? ": " : "", why);
    }
    if (!c->predicted.ok && r->o->n_fixes > 0 &&
        (tool_print_fixes(c->client, r->server, TLSD_SIDE_SERVER, r->o->n_fixes) < 0 ||
         tool_print_fixes(c->client, r->server, TLSD_SIDE_CLIENT, r->o->n_fixes) < 0))
        tool_err("serve", "out of memory");
    printf("\n");
    fflush(stdout);
}

/* ---- JSON (docs/serve-json.md) ------------------------------------------------------ */

static json_t *codes16(const uint16_t *v, size_t n, const char *(*name)(uint16_t))
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(name(v[i])));
    return a;
}

static json_t *offer_json(const struct tlsd_serve_client *c)
{
    json_t *suites = json_array(), *vers = json_array();
    for (size_t i = 0; i < c->client->n_suites; i++) {
        char hex[12];
        snprintf(hex, sizeof hex, "0x%04X", (unsigned)c->client->suites[i]);
        json_array_append_new(suites, json_pack("{s:s, s:s}", "code", hex, "name",
                                                tlsd_suite_code_name(c->client->suites[i])));
    }
    for (unsigned bit = 1; bit <= TLSD_V_TLS13; bit <<= 1)
        if (c->client->versions & bit)
            json_array_append_new(vers,
                                  json_string(tlsd_version_code_name(tlsd_version_of_bit(bit))));
    json_t *j = json_pack(
        "{s:o, s:o, s:o, s:o}", "versions", vers, "suites", suites, "groups",
        codes16(c->client->groups, c->client->n_groups, tlsd_group_code_name), "key_shares",
        codes16(c->client->key_shares, c->client->n_key_shares, tlsd_group_code_name));
    char *hex = malloc(c->hello_raw_len * 2 + 1);
    for (size_t i = 0; hex && i < c->hello_raw_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", c->hello_raw[i]);
    if (hex) {
        hex[c->hello_raw_len * 2] = '\0';
        json_object_set_new(j, "hello_hex", json_string(hex));
        free(hex);
    }
    /* The name as the client sent it, made valid UTF-8 (docs/serve-json.md). */
    char *sni = c->hello->server_name
                    ? tlsd_text_utf8(c->hello->server_name, strlen(c->hello->server_name))
                    : NULL;
    json_object_set_new(j, "server_name", sni ? json_string(sni) : json_null());
    free(sni);
    return j;
}

static json_t *detail_json(const struct tlsd_serve_client *c)
{
    return c->detail ? json_string(tlsd_ending_detail_name(c->detail)) : json_null();
}

static json_t *real_json(const struct tlsd_serve_client *c)
{
    json_t *j = json_pack("{s:b, s:s, s:o}", "ok", c->ending == TLSD_OUTCOME_SUCCESS, "ending",
                          tlsd_conn_outcome_name(c->ending), "ending_detail", detail_json(c));
    if (c->suite)
        tlsd_json_add_choice(j, c->version, c->suite, c->group);
    json_object_set_new(j, "reset", json_boolean(c->ending == TLSD_OUTCOME_RESET_AFTER_HELLO));
    if (c->alert >= 0)
        json_object_set_new(j, "alert",
                            tlsd_alert_to_json(c->alert, c->ending == TLSD_OUTCOME_CLIENT_ALERT));
    if (c->ssl_error[0])
        json_object_set_new(j, "openssl_error", json_string(c->ssl_error));
    return j;
}

static json_t *client_json(const struct run *r, const struct tlsd_serve_client *c)
{
    json_t *j = json_pack("{s:i, s:s, s:s, s:o, s:I, s:I, s:f}", "id", (int)c->id, "peer", c->peer,
                          "ending", tlsd_conn_outcome_name(c->ending), "ending_detail",
                          detail_json(c), "bytes_in", (json_int_t)c->bytes_in, "bytes_out",
                          (json_int_t)c->bytes_out, "seconds", c->seconds);
    if (c->note[0])
        json_object_set_new(j, "note", json_string(c->note));
    if (!c->have_hello) {
        if (c->hello_error[0])
            json_object_set_new(j, "hello_error", json_string(c->hello_error));
        return j;
    }
    json_object_set_new(j, "offered", offer_json(c));
    json_object_set_new(j, "predicted", tlsd_outcome_to_json(&c->predicted));
    json_object_set_new(j, "real", real_json(c));
    if (c->detail != TLSD_DETAIL_RECORDED)
        json_object_set_new(j, "agree", json_boolean(agrees(c)));
    if (!c->predicted.ok && r->o->n_fixes > 0) {
        json_t *sf = tlsd_fixes_to_json(c->client, r->server, TLSD_SIDE_SERVER, r->o->n_fixes);
        json_t *cf = tlsd_fixes_to_json(c->client, r->server, TLSD_SIDE_CLIENT, r->o->n_fixes);
        json_object_set_new(j, "server_fixes", sf ? sf : json_null());
        json_object_set_new(j, "client_fixes", cf ? cf : json_null());
    }
    return j;
}

/* ---- callbacks ---------------------------------------------------------------------- */

/* --json: the array is written as clients are known, so serve keeps no record of a client
 * once it is out (a long run's memory stays flat); the same text jansson would write for the
 * whole array. */
static void json_array_item(struct run *r, json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(4));
    if (!text) {
        r->failed = true;
        return;
    }
    fputs(r->n_json++ ? ",\n  " : "[\n  ", stdout);
    for (const char *p = text; *p; p++) {
        putchar(*p);
        if (*p == '\n')
            fputs("  ", stdout);
    }
    fflush(stdout);
    free(text);
}

/* Counts a client for the summary. */
static void sum_add(struct serve_sum *s, const struct tlsd_serve_client *c)
{
    s->clients++;
    if (word_is_detail(c))
        s->details[c->detail]++;
    else
        s->endings[c->ending]++;
    if (!c->have_hello)
        return;
    if (c->detail != TLSD_DETAIL_RECORDED) {
        bool a = agrees(c);
        s->agree += a;
        s->disagree += !a;
    }
    char ja4[TLSD_JA4_LEN + 1];
    tlsd_ja4(NULL, c->hello, TLSD_JA_TCP, ja4);
    for (size_t i = 0; i < s->n_hellos; i++)
        if (strcmp(s->hellos[i], ja4) == 0) {
            s->hello_count[i]++;
            return;
        }
    if (s->n_hellos == SERVE_SUM_HELLOS) {
        s->other_hellos++;
        return;
    }
    memcpy(s->hellos[s->n_hellos], ja4, sizeof ja4);
    snprintf(s->hello_peer[s->n_hellos], sizeof s->hello_peer[0], "%s", c->peer);
    s->hello_count[s->n_hellos++] = 1;
}

static void print_summary(const struct serve_sum *s)
{
    printf("Summary: %u client%s\n", s->clients, s->clients == 1 ? "" : "s");
    if (!s->clients)
        return;
    printf("  outcomes:");
    bool first = true;
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        if (s->endings[i]) {
            printf("%s %s %u", first ? "" : ",", tlsd_conn_outcome_name((enum tlsd_conn_outcome)i),
                   s->endings[i]);
            first = false;
        }
    for (int i = 0; i < TLSD_DETAIL_COUNT; i++)
        if (s->details[i]) {
            printf("%s %s %u", first ? "" : ",",
                   tlsd_ending_detail_name((enum tlsd_ending_detail)i), s->details[i]);
            first = false;
        }
    printf("\n  the model and the real handshake: %u agree, %u disagree\n", s->agree, s->disagree);
    printf("  distinct hellos: %zu%s\n", s->n_hellos, s->other_hellos ? " and more" : "");
    for (size_t i = 0; i < s->n_hellos; i++)
        printf("    JA4 %s  %u client%s, first %s\n", s->hellos[i], s->hello_count[i],
               s->hello_count[i] == 1 ? "" : "s", s->hello_peer[i]);
    if (s->other_hellos)
        printf("    %u more client%s with other hellos\n", s->other_hellos,
               s->other_hellos == 1 ? "" : "s");
}

static void on_client(void *ctx, const struct tlsd_serve_client *c)
{
    struct run *r = ctx;
    sum_add(&r->sum, c);
    if (!r->o->json && !r->o->jsonl) {
        print_client(r, c);
        return;
    }
    json_t *j = client_json(r, c);
    if (r->o->json)
        json_array_item(r, j);
    else {
        json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(4));
        putchar('\n');
        fflush(stdout);
    }
    json_decref(j);
}

static void on_ready(void *ctx, const char *addr, uint16_t port,
                     const struct tlsd_serve_setup *setup)
{
    struct run *r = ctx;
    r->setup = *setup;
    fprintf(stderr, "tlsdiag serve: listening on %s port %u as %s%s\n", addr, (unsigned)port,
            r->server->name, r->o->s.record_only ? " (record only)" : "");
    for (size_t i = 0; i < setup->n_certs; i++)
        fprintf(stderr, "  certificate: %s\n", setup->certs[i]);
    if (setup->n_unservable) {
        fprintf(stderr,
                "  the local OpenSSL cannot serve %zu of the profile's suites "
                "(clients needing only these are refused, unlike the real server):\n",
                setup->n_unservable);
        for (size_t i = 0; i < setup->n_unservable; i++)
            fprintf(stderr, "    %s\n", tlsd_suite_code_name(setup->unservable[i]));
    }
    for (unsigned bit = 1; bit <= TLSD_V_TLS13; bit <<= 1)
        if (setup->unservable_versions & bit)
            fprintf(stderr, "  the local OpenSSL cannot serve %s\n",
                    tlsd_version_code_name(tlsd_version_of_bit(bit)));
    for (size_t i = 0; i < setup->n_unservable_groups; i++)
        fprintf(stderr, "  the local OpenSSL does not know group %s\n",
                tlsd_group_code_name(setup->unservable_groups[i]));
    for (size_t i = 0; i < setup->n_notes; i++)
        fprintf(stderr, "  note: %s\n", setup->notes[i]);
    fflush(stderr);
    /* The port is open and the key loaded: root is no longer needed (as watch does). */
    if (tool_drop_privileges("serve", r->o->user) != 0) {
        r->failed = true;
        raise(SIGTERM); /* the loop stops as on a signal; tool_serve reports the failure */
    }
}

int tool_serve(int argc, char **argv)
{
    struct opts o = {.n_fixes = 3};
    tlsd_serve_opts_default(&o.s);
    o.s.port = 4433;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    static struct tlsd_profile server;
    struct tlsd_profile_err perr;
    if (tlsd_profile_load(o.profile, TLSD_SIDE_SERVER, &server, &perr) < 0) {
        tool_err("serve", "%s: %s", o.profile, perr.msg);
        return TOOL_EXIT_ERROR;
    }
    tool_note("serve", perr.note);
    o.s.profile = &server;
    if (!o.json && !o.jsonl)
        tool_fit_stdout();
    struct run r = {.o = &o, .server = &server, .color = tool_use_color(o.color, stdout)};
    char err[256];
    tlsd_ignore_sigpipe();
    if (tlsd_serve_run(&o.s, on_ready, on_client, &r, err, sizeof err) < 0) {
        tool_err("serve", "%s", err);
        return TOOL_EXIT_ERROR;
    }
    if (o.json)
        fputs(r.n_json ? "\n]\n" : "[]\n", stdout);
    else if (!o.jsonl)
        print_summary(&r.sum);
    return r.failed ? TOOL_EXIT_ERROR : TOOL_EXIT_OK;
}
