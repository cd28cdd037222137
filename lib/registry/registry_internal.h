/* Declarations of the generated tables (build/generated/registry_tables.c). */
#ifndef TLSDIAG_REGISTRY_INTERNAL_H
#define TLSDIAG_REGISTRY_INTERNAL_H

#include <stddef.h>

#include "tlsdiag/registry.h"

struct tlsd_name_index {
    const char *name; /* lower case */
    int row;
};

extern const struct tlsd_suite tlsd_suites_table[];
extern const size_t tlsd_suites_count;
/* Every spelling *_by_name accepts, sorted, with its row (scripts/gen_tables.py). */
extern const struct tlsd_name_index tlsd_suite_name_index[];
extern const size_t tlsd_suite_name_index_count;
extern const struct tlsd_name_index tlsd_version_name_index[];
extern const size_t tlsd_version_name_index_count;
extern const struct tlsd_name_index tlsd_group_name_index[];
extern const size_t tlsd_group_name_index_count;
extern const struct tlsd_name_index tlsd_sigscheme_name_index[];
extern const size_t tlsd_sigscheme_name_index_count;
extern const struct tlsd_name_index tlsd_extension_name_index[];
extern const size_t tlsd_extension_name_index_count;
extern const struct tlsd_name_index tlsd_alert_name_index[];
extern const size_t tlsd_alert_name_index_count;
extern const struct tlsd_version tlsd_versions_table[];
extern const size_t tlsd_versions_count;
extern const struct tlsd_group tlsd_groups_table[];
extern const size_t tlsd_groups_count;
extern const struct tlsd_sigscheme tlsd_sigschemes_table[];
extern const size_t tlsd_sigschemes_count;
extern const struct tlsd_extension tlsd_extensions_table[];
extern const size_t tlsd_extensions_count;
extern const struct tlsd_alert tlsd_alerts_table[];
extern const size_t tlsd_alerts_count;
extern const struct tlsd_handshake_type tlsd_handshake_types_table[];
extern const size_t tlsd_handshake_types_count;
extern const struct tlsd_content_type tlsd_content_types_table[];
extern const size_t tlsd_content_types_count;

#endif
