/* Target specifications -> targets. */
#include "tlsdiag/target.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    enum tlsd_starttls proto;
    uint16_t port; /* the protocol's usual plain-text port */
} protos[] = {
    {"smtp", TLSD_STARTTLS_SMTP, 25},
    {"imap", TLSD_STARTTLS_IMAP, 143},
    {"pop3", TLSD_STARTTLS_POP3, 110},
    {"ftp", TLSD_STARTTLS_FTP, 21},
    {"ldap", TLSD_STARTTLS_LDAP, 389},
    {"postgres", TLSD_STARTTLS_POSTGRES, 5432},
    {"postgresql", TLSD_STARTTLS_POSTGRES, 5432},
    {"xmpp", TLSD_STARTTLS_XMPP, 5222},
};

int tlsd_starttls_from_name(const char *name, enum tlsd_starttls *out)
{
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (strcasecmp(name, protos[i].name) == 0) {
            *out = protos[i].proto;
            return 0;
        }
    return -1;
}

const char *tlsd_starttls_name(enum tlsd_starttls p)
{
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (protos[i].proto == p)
            return protos[i].name;
    return "none";
}

static uint16_t starttls_port(enum tlsd_starttls p)
{
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (protos[i].proto == p)
            return protos[i].port;
    return 443;
}

bool tlsd_host_is_ip(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int add(struct tlsd_target_list *l, const char *input, const char *host, uint16_t port,
               enum tlsd_starttls st)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct tlsd_target *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    struct tlsd_target *t = &l->v[l->n];
    memset(t, 0, sizeof *t);
    t->input = strdup(input);
    t->host = strdup(host);
    t->sni = tlsd_host_is_ip(host) ? NULL : strdup(host);
    t->port = port;
    t->starttls = st;
    if (!t->input || !t->host || (!t->sni && !tlsd_host_is_ip(host))) {
        free(t->input);
        free(t->host);
        free(t->sni);
        return -1;
    }
    l->n++;
    return 0;
}

void tlsd_target_list_free(struct tlsd_target_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].input);
        free(l->v[i].host);
        free(l->v[i].sni);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int parse_port(const char *s, uint16_t *port)
{
    if (!*s || strlen(s) > 5)
        return -1;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    long v = strtol(s, NULL, 10);
    if (v < 1 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

static bool valid_hostname(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 253)
        return false;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
            return false;
    return true;
}

/* Expands addr/prefix into every address of the range. */
static int add_range(struct tlsd_target_list *l, const char *addr, int prefix, uint16_t port,
                     enum tlsd_starttls st, char *err, size_t errlen)
{
    unsigned char a[16];
    int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
    int bits = fam == AF_INET ? 32 : 128;
    if (inet_pton(fam, addr, a) != 1) {
        snprintf(err, errlen, "'%s' is not an IP address (a range needs one)", addr);
        return -1;
    }
    if (prefix < 0 || prefix > bits) {
        snprintf(err, errlen, "prefix /%d out of range for %s", prefix, addr);
        return -1;
    }
    int host_bits = bits - prefix;
    if (host_bits > 16) {
        snprintf(err, errlen, "range %s/%d has more than %d addresses", addr, prefix,
                 TLSD_MAX_RANGE);
        return -1;
    }
    size_t len = (size_t)bits / 8;
    /* Clear the host bits, then count up through them. */
    for (int b = 0; b < host_bits; b++)
        a[len - 1 - (size_t)b / 8] &= (unsigned char)~(1u << (b % 8));
    unsigned long count = 1ul << host_bits;
    for (unsigned long i = 0; i < count; i++) {
        unsigned char c[16];
        memcpy(c, a, len);
        for (int b = 0; b < host_bits; b++)
            if (i >> b & 1)
                c[len - 1 - (size_t)b / 8] |= (unsigned char)(1u << (b % 8));
        char txt[INET6_ADDRSTRLEN];
        inet_ntop(fam, c, txt, sizeof txt);
        if (add(l, txt, txt, port, st) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

int tlsd_target_parse(const char *spec, uint16_t default_port, enum tlsd_starttls st,
                      struct tlsd_target_list *out, char *err, size_t errlen)
{
    char buf[512];
    while (isspace((unsigned char)*spec))
        spec++;
    size_t n = strlen(spec);
    while (n > 0 && isspace((unsigned char)spec[n - 1]))
        n--;
    if (n == 0 || n >= sizeof buf) {
        snprintf(err, errlen, n ? "target too long" : "empty target");
        return -1;
    }
    memcpy(buf, spec, n);
    buf[n] = '\0';
    char *s = buf;

    /* scheme://host[:port][/path]: STARTTLS protocols by name, https/tls as is. */
    char *sep = strstr(s, "://");
    if (sep) {
        *sep = '\0';
        enum tlsd_starttls p;
        if (tlsd_starttls_from_name(s, &p) == 0) {
            st = p;
        } else if (strcasecmp(s, "https") != 0 && strcasecmp(s, "tls") != 0) {
            snprintf(err, errlen,
                     "unknown scheme '%s' (https, smtp, imap, pop3, ftp, ldap, "
                     "postgres, xmpp)",
                     s);
            return -1;
        }
        s = sep + 3;
        char *slash = strchr(s, '/');
        if (slash && !strchr(s, '[')) /* keep CIDR slashes of bracketed v6 */
            *slash = '\0';
    }
    if (default_port == 0)
        default_port = st ? starttls_port(st) : 443;
    uint16_t port = default_port;

    char *host = s;
    if (*s == '[') { /* [v6] or [v6]:port or [v6/prefix]:port */
        char *close = strchr(s, ']');
        if (!close) {
            snprintf(err, errlen, "'%s': missing ']'", spec);
            return -1;
        }
        *close = '\0';
        host = s + 1;
        if (close[1] == ':') {
            if (parse_port(close + 2, &port) < 0) {
                snprintf(err, errlen, "'%s': bad port '%s'", spec, close + 2);
                return -1;
            }
        } else if (close[1]) {
            snprintf(err, errlen, "'%s': unexpected text after ']'", spec);
            return -1;
        }
    } else {
        char *colon = strrchr(s, ':');
        /* One colon: host:port. Several: a bare IPv6 literal (no port). */
        if (colon && colon == strchr(s, ':')) {
            *colon = '\0';
            if (parse_port(colon + 1, &port) < 0) {
                snprintf(err, errlen, "'%s': bad port '%s'", spec, colon + 1);
                return -1;
            }
        }
    }
    char *slash = strchr(host, '/');
    if (slash) {
        *slash = '\0';
        char *end;
        long prefix = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1) {
            snprintf(err, errlen, "'%s': bad prefix length", spec);
            return -1;
        }
        return add_range(out, host, (int)prefix, port, st, err, errlen);
    }
    if (!tlsd_host_is_ip(host) && !valid_hostname(host)) {
        snprintf(err, errlen, "'%s' is not a host name or IP address", host);
        return -1;
    }
    if (add(out, spec, host, port, st) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
