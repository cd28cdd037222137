/* The portability layer: everything that differs between POSIX systems and Windows, one
 * function per concern, implemented by platform_posix.c and platform_win32.c (CMake builds
 * the one for the target). The rest of the tree calls these functions and has no #ifdef.
 * On Windows, win32/ holds the few POSIX headers mingw-w64 lacks (sys/socket.h, netdb.h,
 * arpa/inet.h, netinet/in.h, netinet/tcp.h, poll.h, sys/mman.h); each only includes this file. */
#ifndef TLSD_PLATFORM_H
#define TLSD_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
/* POSIX flags Windows sockets do not have: handles are not inherited by default. */
#define SOCK_CLOEXEC 0
/* madvise is only a hint (huge pages for the reassembly table); Windows has none. */
#define MADV_HUGEPAGE 0
static inline int madvise(void *addr, size_t len, int advice)
{
    (void)addr, (void)len, (void)advice;
    return 0;
}
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

/* Files. Paths are UTF-8 everywhere (Windows: converted to UTF-16 for the wide API). */
FILE *tlsd_fopen(const char *path, const char *mode);
/* Standard input as a binary stream of its own (on a duplicate descriptor), which a
 * library may also read through the OS handle under it. Windows: libpcap reads that handle
 * (pcap_fopen_offline is pcap_hopen_offline), so bytes peeked through the stream are gone
 * unless it can seek back; a pipe is therefore read whole into a temporary file first. */
FILE *tlsd_stdin_binary(void);
/* Calls fn(ctx, name) with the UTF-8 name of each entry of folder (with "." and "..")
 * until it returns non-zero; -1 when the folder cannot be read. */
typedef int tlsd_dir_fn(void *ctx, const char *name);
int tlsd_dir_names(const char *folder, tlsd_dir_fn *fn, void *ctx);
/* libevtx_file_open by a UTF-8 path (Windows: libevtx_file_open_wide, as the narrow call
 * reads the name in the ANSI code page). file and error are libevtx_file_t * and
 * libevtx_error_t ** (both libyal handle types are intptr_t). */
int tlsd_evtx_open(intptr_t *file, const char *path, intptr_t **error);
/* Closes stdout, with the error of the last write when it failed (errno set, -1): also
 * of what the stdout filter (tlsd_filter_stdout) wrote on; Windows waits for it here. */
int tlsd_close_stdout(void);
/* errno of the write that just failed; a reader that went away is EPIPE everywhere (the
 * Windows C runtime says EINVAL for a pipe closed at the other end). */
int tlsd_write_errno(void);
/* The size of a regular file or directory entry at path; false when there is none. */
bool tlsd_file_size(const char *path, uint64_t *size);
/* True when path names a regular file (not a directory, device or pipe). */
bool tlsd_is_regular_file(const char *path);
/* A read-only stream whose bytes come from read(cookie, buf, n) (< 0 error, 0 end) and that
 * calls close(cookie) when done (glibc: fopencookie; Windows, which has no such stream:
 * everything read at once into a temporary file deleted on close). */
typedef ssize_t tlsd_read_fn(void *cookie, char *buf, size_t n);
typedef int tlsd_close_fn(void *cookie);
FILE *tlsd_fopen_reader(void *cookie, tlsd_read_fn *read, tlsd_close_fn *close);
/* Reads one line (with its newline) into *line, grown as needed; the length, or -1 at the
 * end or on error (glibc's getline). */
ssize_t tlsd_getline(char **line, size_t *cap, FILE *f);
/* Only one thread reads this stream: its per-call lock can go (where the C library can). */
void tlsd_stream_unlocked(FILE *f);

/* Sockets, as the int file descriptors the rest of the code and SSL_set_fd use. */
int tlsd_sock_close(int fd);
/* A second descriptor for the socket (handed from libuv to libssl); -1 on failure.
 * sock is what uv_fileno gave (an fd on POSIX, a SOCKET in a HANDLE on Windows). */
int tlsd_sock_dup(intptr_t sock);
/* Send and receive time limits on a blocking socket. */
void tlsd_sock_timeouts(int fd, unsigned timeout_ms);
/* The last socket error as an errno value (ECONNRESET...), and resetting it. */
int tlsd_sock_errno(void);
void tlsd_sock_errno_clear(void);
/* Waits until fd is readable (or writable); > 0 ready, 0 time out, < 0 error. */
int tlsd_sock_wait(int fd, bool write, int timeout_ms);
/* Sets the environment variable name to value unless it is set already. */
void tlsd_env_default(const char *name, const char *value);
/* A peer that closes while we write must be an error, not a signal that ends the process. */
void tlsd_ignore_sigpipe(void);
/* The same for this thread alone, in library code where the process's disposition is the
 * caller's: block true, a write to a socket the peer reset fails with EPIPE and raises no
 * signal; block false undoes it, taking a SIGPIPE that came meanwhile. */
void tlsd_thread_sigpipe_block(bool block);

/* Time. */
time_t tlsd_timegm(struct tm *tm);
struct tm *tlsd_gmtime(const time_t *t, struct tm *out);
struct tm *tlsd_localtime(const time_t *t, struct tm *out);
/* Minutes east of UTC of a time tlsd_localtime gave. */
long tlsd_utc_offset_min(const struct tm *local);
/* strptime for the numeric fields %Y %m %d %H %I %M %S and %p (Windows has none). */
const char *tlsd_strptime(const char *s, const char *fmt, struct tm *tm);
/* Milliseconds of a monotonic clock. */
uint64_t tlsd_now_ms(void);

/* Memory: aligned memory that free() releases, or NULL (then the caller uses calloc).
 * Windows has none: its aligned blocks need _aligned_free. */
void *tlsd_aligned_alloc(size_t alignment, size_t size);
/* A read-only stream over len bytes of buf (len > 0). */
FILE *tlsd_fmemopen(const void *buf, size_t len);
/* Stable sorts (sort.c): elements that compare equal keep their order, on every system;
 * tlsd_qsort_r passes ctx last to cmp, as glibc's qsort_r does. */
void tlsd_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void tlsd_qsort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
                  void *ctx);

/* Strings (GNU extensions). */
char *tlsd_strndup(const char *s, size_t n);
char *tlsd_strcasestr(const char *haystack, const char *needle);
void *tlsd_memrchr(const void *s, int c, size_t n);
void *tlsd_memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen);

/* The terminal: true when stream is an interactive terminal that shows ANSI colour
 * (Windows: a console, switched to virtual-terminal mode). */
bool tlsd_terminal_colour(FILE *stream);
/* The columns of the terminal stream is, or 0 when it is none (a file, a pipe). */
unsigned tlsd_terminal_width(FILE *stream);
/* Puts a filter in front of stdout: from now on what the program writes to stdout goes to
 * write(cookie, buf, n) (< 0 error), which writes on to *real, the original standard
 * output, and close(cookie) when stdout is closed (Windows: at exit). Line-buffered on a
 * terminal. glibc: a cookie stream becomes stdout; Windows
 * (whose stdout cannot be replaced): fd 1 becomes a pipe that a thread reads, drained
 * when the program exits. */
typedef ssize_t tlsd_write_fn(void *cookie, const char *buf, size_t n);
int tlsd_filter_stdout(void *cookie, tlsd_write_fn *write, tlsd_close_fn *close, FILE **real);

/* Processes and users. */
/* Gives up root for good (POSIX: supplementary groups, group, then user, and a check that
 * root cannot be regained); 0 when done or nothing to drop (not root; Windows, where a
 * process has no root to give up), -1 with the reason in err. */
int tlsd_drop_privileges(const char *user, char *err, size_t errlen);
/* handler(signal) on SIGINT and SIGTERM (Windows: Ctrl+C and the CRT's SIGTERM). */
void tlsd_on_stop_signals(void (*handler)(int));

/* The live Windows registry, read through the registry API (HKEY_LOCAL_MACHINE, the 64-bit
 * view). On other systems every call answers TLSD_REG_UNAVAILABLE: there is no registry to
 * read, which is not the same as an empty one. key: e.g.
 * "SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols". */
enum tlsd_reg_status { TLSD_REG_OK, TLSD_REG_NO_KEY, TLSD_REG_UNAVAILABLE, TLSD_REG_ERROR };
enum tlsd_live_type { TLSD_LIVE_DWORD, TLSD_LIVE_TEXT, TLSD_LIVE_TEXT_LIST, TLSD_LIVE_OTHER };
/* One value: name (UTF-8), its type, the number (TLSD_LIVE_DWORD) or the text (TEXT; for
 * TEXT_LIST the strings joined with newlines). Returning non-zero stops the walk. */
typedef int tlsd_reg_value_fn(void *ctx, const char *name, enum tlsd_live_type type,
                              uint32_t number, const char *text);
typedef int tlsd_reg_key_fn(void *ctx, const char *subkey);
enum tlsd_reg_status tlsd_reg_values(const char *key, tlsd_reg_value_fn *fn, void *ctx);
enum tlsd_reg_status tlsd_reg_subkeys(const char *key, tlsd_reg_key_fn *fn, void *ctx);
/* The running system's version as RtlGetVersion reports it (GetVersionEx lies to programs
 * without a compatibility manifest); false where there is none (not Windows). */
bool tlsd_os_version(unsigned *major, unsigned *minor, unsigned *build);

#endif
