/* The one place the protocol's rules turn a client's offer into a ClientHello spec
 * (include/tlsdiag/hello.h has the rules and their sources). */
#include <string.h>

#include "tlsdiag/hello.h"
#include "tlsdiag/registry.h"

static const uint8_t psk_dhe_ke[] = {1}; /* RFC 8446 4.2.9: psk_dhe_ke */

/* An offer's list is sent when present, whatever its length (the spec also sends a
 * list that is not present but has items). */
static struct tlsd_u16_list u16_if(struct tlsd_u16_list l)
{
    return l.present ? l : (struct tlsd_u16_list){0};
}

static struct tlsd_u8_list u8_if(struct tlsd_u8_list l)
{
    return l.present ? l : (struct tlsd_u8_list){0};
}

static void tls13_part(const struct tlsd_hello_offer *o, struct tlsd_hello_spec *sp)
{
    sp->versions = u16_if(o->versions);
    sp->key_shares = o->key_shares;
    sp->n_key_shares = o->n_key_shares;
    sp->key_share_present = true; /* also empty: the HRR probe */
    sp->psk_modes = (struct tlsd_u8_list){psk_dhe_ke, 1, true};
    if (o->compat_session_id) {
        sp->session_id_len = 32;
        for (size_t i = 0; i < sp->session_id_len; i++)
            sp->session_id[i] = (uint8_t)(i * 7 + 1);
    }
}

static void extensions(const struct tlsd_hello_offer *o, struct tlsd_hello_spec *sp)
{
    bool below13 = o->max_version < TLSD_VERSION_TLS1_3;
    sp->server_name = o->server_name;
    sp->groups = u16_if(o->groups);
    sp->ec_point_formats = u8_if(o->ec_point_formats);
    if (o->max_version >= TLSD_VERSION_TLS1_2)
        sp->sigalgs = u16_if(o->sigalgs);
    sp->renegotiation_info = o->reneg_info;
    sp->extended_master_secret = o->extended_master_secret;
    sp->encrypt_then_mac = o->encrypt_then_mac && below13;
    sp->session_ticket = o->session_ticket;
    sp->status_request = o->status_request;
    sp->alpn = o->alpn;
    sp->n_alpn = o->n_alpn;
    sp->extra = o->extra;
    sp->n_extra = o->n_extra;
    if (o->versions.present)
        tls13_part(o, sp);
}

void tlsd_hello_spec_offer(const struct tlsd_hello_offer *o, struct tlsd_hello_spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->random_mode = TLSD_RANDOM_AUTO;
    sp->suites = o->suites;
    sp->n_suites = o->n_suites;
    sp->compression = u8_if(o->compression);
    if (o->max_version == TLSD_VERSION_SSL2) {
        sp->format = TLSD_HELLO_SSL2;
        sp->legacy_version = TLSD_VERSION_SSL2;
        return;
    }
    sp->format = TLSD_HELLO_TLS;
    sp->legacy_version =
        o->max_version > TLSD_VERSION_TLS1_2 ? TLSD_VERSION_TLS1_2 : o->max_version;
    sp->scsv = o->reneg_scsv && o->max_version < TLSD_VERSION_TLS1_3;
    sp->fallback_scsv = o->fallback_scsv;
    if (o->max_version >= TLSD_VERSION_TLS1_0)
        extensions(o, sp);
    if (o->pad_to) {
        sp->padding = TLSD_PAD_TO_SIZE;
        sp->pad_target = o->pad_to;
    }
}
