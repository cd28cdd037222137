#ifndef TLSDIAG_SIGNALS_H
#define TLSDIAG_SIGNALS_H

/* The first SIGINT or SIGTERM asks a long job (scan, analyze, serve) to finish what it
 * has and stop; a second one ends the process at once. A repeat that comes sooner than
 * this after the first is the same request delivered twice, not a second one: timeout(1)
 * and shells send a signal to the process and to its process group, so a job often gets
 * it twice within microseconds, and must still finish its output. */
#define TLSD_SIGNAL_REPEAT_MS 1000

#endif
