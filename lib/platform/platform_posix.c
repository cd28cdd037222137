/* The portability layer on POSIX systems (see platform.h): thin wrappers over the calls
 * the code made directly before there was a Windows build. */
#include "platform.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

FILE *tlsd_fopen(const char *path, const char *mode)
{
    return fopen(path, mode);
}

FILE *tlsd_fopen_reader(void *cookie, tlsd_read_fn *read, tlsd_close_fn *close)
{
    cookie_io_functions_t io = {.read = read, .close = close};
    return fopencookie(cookie, "rb", io);
}

void tlsd_stream_unlocked(FILE *f)
{
    (void)__fsetlocking(f, FSETLOCKING_BYCALLER);
}

bool tlsd_file_size(const char *path, uint64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    *size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    return true;
}

int tlsd_sock_close(int fd)
{
    return close(fd);
}

int tlsd_sock_dup(intptr_t sock)
{
    return dup((int)sock);
}

void tlsd_sock_timeouts(int fd, unsigned timeout_ms)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int tlsd_sock_errno(void)
{
    return errno;
}

void tlsd_sock_errno_clear(void)
{
    errno = 0;
}

int tlsd_sock_wait(int fd, bool write, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = write ? POLLOUT : POLLIN};
    return poll(&p, 1, timeout_ms);
}

void tlsd_ignore_sigpipe(void)
{
    signal(SIGPIPE, SIG_IGN);
}

time_t tlsd_timegm(struct tm *tm)
{
    return timegm(tm);
}

struct tm *tlsd_gmtime(const time_t *t, struct tm *out)
{
    return gmtime_r(t, out);
}

uint64_t tlsd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void *tlsd_aligned_alloc(size_t alignment, size_t size)
{
    return aligned_alloc(alignment, size);
}

FILE *tlsd_fmemopen(const void *buf, size_t len)
{
    return fmemopen((void *)buf, len, "rb");
}

char *tlsd_strndup(const char *s, size_t n)
{
    return strndup(s, n);
}

char *tlsd_strcasestr(const char *haystack, const char *needle)
{
    return strcasestr(haystack, needle);
}

void *tlsd_memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen)
{
    return memmem(haystack, hlen, needle, nlen);
}

bool tlsd_terminal_colour(FILE *stream)
{
    return isatty(fileno(stream));
}

enum tlsd_reg_status tlsd_reg_values(const char *key, tlsd_reg_value_fn *fn, void *ctx)
{
    (void)key, (void)fn, (void)ctx;
    return TLSD_REG_UNAVAILABLE;
}

enum tlsd_reg_status tlsd_reg_subkeys(const char *key, tlsd_reg_key_fn *fn, void *ctx)
{
    (void)key, (void)fn, (void)ctx;
    return TLSD_REG_UNAVAILABLE;
}

bool tlsd_os_version(unsigned *major, unsigned *minor, unsigned *build)
{
    (void)major, (void)minor, (void)build;
    return false;
}
