/* Scan targets: what a user types (host, host:port, [v6]:port, CIDR ranges,
 * scheme://host:port for STARTTLS, lists from files) parsed into a list. */
#ifndef TLSDIAG_TARGET_H
#define TLSDIAG_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tlsd_starttls {
    TLSD_STARTTLS_NONE = 0,
    TLSD_STARTTLS_SMTP,
    TLSD_STARTTLS_IMAP,
    TLSD_STARTTLS_POP3,
    TLSD_STARTTLS_FTP,
    TLSD_STARTTLS_LDAP,
    TLSD_STARTTLS_POSTGRES,
    TLSD_STARTTLS_XMPP,
};

/* "smtp", "imap", ... ; -1 when unknown. */
int tlsd_starttls_from_name(const char *name, enum tlsd_starttls *out);
const char *tlsd_starttls_name(enum tlsd_starttls p);

struct tlsd_target {
    char *input; /* as the user wrote it (one address of a CIDR range: that address) */
    char *host;  /* name or address literal, without brackets */
    char *sni;   /* server_name to send, NULL for none */
    uint16_t port;
    enum tlsd_starttls starttls;
};

struct tlsd_target_list {
    struct tlsd_target *v;
    size_t n, cap;
};

/* Largest CIDR range expanded (a /16 of IPv4). */
#define TLSD_MAX_RANGE 65536

/* Parses one target specification and appends it (a range: every address).
 * default_port when none is given (443, or the STARTTLS protocol's port).
 * Returns 0, or -1 with a one-line reason in err. */
int tlsd_target_parse(const char *spec, uint16_t default_port, enum tlsd_starttls starttls,
                      struct tlsd_target_list *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void tlsd_target_list_free(struct tlsd_target_list *l);

/* True when host is an IPv4 or IPv6 literal (no SNI is sent for those by
 * default, RFC 6066 section 3). */
bool tlsd_host_is_ip(const char *host);

#ifdef __cplusplus
}
#endif
#endif
