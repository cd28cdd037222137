/* Declarations of the generated knowledge base (build/generated/explain_tables.c). */
#ifndef TLSDIAG_EXPLAIN_INTERNAL_H
#define TLSDIAG_EXPLAIN_INTERNAL_H

#include <stddef.h>

#include "tlsdiag/explain.h"

extern const struct tlsd_explain_cause tlsd_explain_causes[];
extern const size_t tlsd_explain_causes_count;
extern const struct tlsd_explain_entry tlsd_explain_entries[];
extern const size_t tlsd_explain_entries_count;

#endif
