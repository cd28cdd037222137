/* Fuzz target: event log exports in the text forms (Event XML, Get-WinEvent CSV and JSON),
 * decoded as the CLI reads files, then summarised. The .evtx form is libevtx's parser. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/evtlog.h"
#include "tlsdiag/textin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = 0;
    char *text = tlsd_text_decode(data, size, &len, NULL);
    struct tlsd_event_log log = {0};
    enum tlsd_event_format fmt;
    char err[256];
    /* a parse error still leaves the events read before it: summarise those too */
    if (text &&
        (tlsd_events_parse_text(text, len, true, &log, &fmt, err, sizeof err) == 0 || log.n > 0)) {
        for (int by_alert = 0; by_alert < 2; by_alert++) {
            struct tlsd_event_group *g = NULL;
            (void)tlsd_events_summarize(&log, by_alert, &g);
            free(g);
        }
    }
    tlsd_event_log_free(&log);
    free(text);
    return 0;
}
