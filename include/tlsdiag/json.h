/* The library's results as jansson values: the only public header that includes jansson,
 * so that the others stay free of it. Each returns a new reference (the caller
 * json_decref()s it), NULL when out of memory. The streaming JSON writer of analyze's
 * large documents is private (lib/analyze/json_writer.h). */
#ifndef TLSDIAG_JSON_H
#define TLSDIAG_JSON_H

#include <jansson.h>

#include "tlsdiag/certchain.h"
#include "tlsdiag/connect.h"
#include "tlsdiag/evtlog.h"
#include "tlsdiag/explain.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/suite_render.h"
#include "tlsdiag/winreg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- explain: one cause, one entry (every field), the whole result
 * {"count": n, "matches": [...]} (each match: entry plus score and effective causes). */
json_t *tlsd_explain_cause_to_json(const struct tlsd_explain_cause *c);
json_t *tlsd_explain_entry_to_json(const struct tlsd_explain_entry *e);
json_t *tlsd_explain_result_to_json(const struct tlsd_explain_result *r);

/* ---- suites: one suite with every registry field; a whole list with its detected input
 * form, errors and notes. */
json_t *tlsd_suite_to_json(const struct tlsd_suite *s);
json_t *tlsd_suite_list_to_json(const struct tlsd_suite_list *list);

/* ---- profiles (`tlsdiag profiles --json`): a profile; a Windows server's effective
 * profile with "windows": where each setting came from. */
json_t *tlsd_profile_to_json(const struct tlsd_profile *p);
json_t *tlsd_win_state_to_json(const struct tlsd_win_state *st);

/* ---- the model (match, serve, connect): an outcome {"ok", "version", "suite", ...}; the
 * fixes for one side {"fixes": [...], "only_insecure"} (docs/serve-json.md); "version",
 * "suite" + "suite_code", "group" + "group_code" set on j, each only when non-zero; an
 * alert {"code", "name", "sent_by"}. */
json_t *tlsd_outcome_to_json(const struct tlsd_outcome *o);
json_t *tlsd_fixes_to_json(const struct tlsd_profile *c, const struct tlsd_profile *s,
                           enum tlsd_side side, size_t max);
void tlsd_json_add_choice(json_t *j, uint16_t version, uint32_t suite, uint16_t group);
/* match (match_render.c): one pair {"client", "server", "outcome", "server_fixes", ...};
 * the matrix {"clients", "servers", "failures", "results": [pair...], "breaks"}. */
struct tlsd_matrix;
json_t *tlsd_pair_json(const struct tlsd_profile *c, const struct tlsd_profile *s,
                       const struct tlsd_outcome *out, size_t n_fixes);
json_t *tlsd_matrix_json(const struct tlsd_matrix *m, size_t n_fixes);
json_t *tlsd_alert_to_json(int code, bool by_client);

/* ---- events: {"files": [...], "events": [...], "summary": {"by_event", "by_alert"}}. */
json_t *tlsd_events_to_json(const struct tlsd_event_log *log, const struct tlsd_event_file *files,
                            size_t nf, bool all);

/* ---- certificates (scan and connect): one certificate {"subject", "issuer", "sans",
 * "key_type", "key_bits", "signature", "not_before", "not_after", "not_before_time",
 * "not_after_time", "self_signed"}; a chain as an array of them, leaf first; the
 * verification of a chain set on o: "trusted", "verify_error", "name_matches",
 * "checked_name", and "verify_failed_at" {"subject", "depth"} when it failed at a known
 * certificate. */
json_t *tlsd_cert_summary_to_json(const struct tlsd_cert_summary *x);
json_t *tlsd_cert_chain_to_json(const struct tlsd_cert_chain *c);
void tlsd_cert_chain_verify_json(json_t *o, const struct tlsd_cert_chain *c);

/* ---- serve: one client's record {"id", "peer", "ending", ...} (docs/serve-json.md). */
struct tlsd_serve_client;
struct tlsd_serve_render;
json_t *tlsd_serve_client_json(const struct tlsd_serve_client *c,
                               const struct tlsd_serve_render *how);

/* ---- connect: the result {"address", "ending", "ending_detail", ...} (docs/serve-json.md). */
json_t *tlsd_connect_result_to_json(const struct tlsd_connect_result *r);

/* ---- scan: the result, the difference of two scans. */
/* The result as one JSON object (schema in docs/scan-json.md). */
json_t *tlsd_scan_result_json(const struct tlsd_scan_result *r);
/* What changed between two scans of one server: old and new are target objects of
 * `tlsdiag scan --json` (docs/scan-json.md). Returns the changes as a JSON array (caller
 * owns it): {"what": "version", "version", "accepted"} for a version now (no longer)
 * accepted; {"what": LIST, "added": [...], "removed": [...]} or {"what": LIST,
 * "reordered": true} for LIST "TLSv1.2 cipher suites" (one per version), "groups",
 * "signature schemes", "certificates", "findings". Empty: nothing changed. */
json_t *tlsd_scan_diff(const json_t *old_target, const json_t *new_target);
/* The changes as text, a line each (or one line saying nothing changed). Returns how many. */
size_t tlsd_scan_diff_text(const json_t *changes, struct tlsd_strbuf *b);
/* scan --diff's section of a target's text report: d is {"file", "in_file", "changes"}
 * (what scan --diff adds to the target's JSON). */
void tlsd_scan_diff_section_text(const json_t *d, const char *target, struct tlsd_strbuf *b);
/* The target object named target ("host:port" as given) in a scan document, or NULL. */
const json_t *tlsd_scan_doc_target(const json_t *doc, const char *target);

#ifdef __cplusplus
}
#endif
#endif
