/* The portability layer on POSIX systems (see platform.h): thin wrappers over the calls
 * the code made directly before there was a Windows build. */
#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <libevtx.h>

FILE *tlsd_fopen(const char *path, const char *mode)
{
    return fopen(path, mode);
}

FILE *tlsd_fopen_reader(void *cookie, tlsd_read_fn *read, tlsd_close_fn *close)
{
    cookie_io_functions_t io = {.read = read, .close = close};
    return fopencookie(cookie, "rb", io);
}

ssize_t tlsd_getline(char **line, size_t *cap, FILE *f)
{
    return getline(line, cap, f);
}

void tlsd_stream_unlocked(FILE *f)
{
    (void)__fsetlocking(f, FSETLOCKING_BYCALLER);
}

FILE *tlsd_stdin_binary(void)
{
    int fd = dup(STDIN_FILENO);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f && fd >= 0)
        close(fd);
    return f;
}

int tlsd_dir_names(const char *folder, tlsd_dir_fn *fn, void *ctx)
{
    DIR *d = opendir(folder);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) && fn(ctx, e->d_name) == 0)
        ;
    closedir(d);
    return 0;
}

int tlsd_evtx_open(intptr_t *file, const char *path, intptr_t **error)
{
    return libevtx_file_open(file, path, libevtx_get_access_flags_read(), error);
}

int tlsd_close_stdout(void)
{
    return fclose(stdout);
}

int tlsd_write_errno(void)
{
    return errno;
}

bool tlsd_is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
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

void tlsd_env_default(const char *name, const char *value)
{
    setenv(name, value, 0);
}

void tlsd_ignore_sigpipe(void)
{
    signal(SIGPIPE, SIG_IGN);
}

void tlsd_thread_sigpipe_block(bool block)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (block) {
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        return;
    }
    const struct timespec now = {0, 0};
    while (sigtimedwait(&set, NULL, &now) == SIGPIPE) /* pending on this thread */
        ;
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

time_t tlsd_timegm(struct tm *tm)
{
    return timegm(tm);
}

struct tm *tlsd_gmtime(const time_t *t, struct tm *out)
{
    return gmtime_r(t, out);
}

struct tm *tlsd_localtime(const time_t *t, struct tm *out)
{
    return localtime_r(t, out);
}

long tlsd_utc_offset_min(const struct tm *local)
{
    return local->tm_gmtoff / 60;
}

const char *tlsd_strptime(const char *s, const char *fmt, struct tm *tm)
{
    return strptime(s, fmt, tm);
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

void *tlsd_memrchr(const void *s, int c, size_t n)
{
    return memrchr(s, c, n);
}

void *tlsd_memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen)
{
    return memmem(haystack, hlen, needle, nlen);
}

bool tlsd_terminal_colour(FILE *stream)
{
    return isatty(fileno(stream));
}

unsigned tlsd_terminal_width(FILE *stream)
{
    struct winsize ws;
    int fd = fileno(stream);
    return isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

int tlsd_filter_stdout(void *cookie, tlsd_write_fn *write, tlsd_close_fn *close, FILE **real)
{
    cookie_io_functions_t io = {.write = write, .close = close};
    FILE *s = fopencookie(cookie, "w", io);
    if (!s)
        return -1;
    if (isatty(fileno(stdout)))
        setvbuf(s, NULL, _IOLBF, 0);
    *real = stdout;
    stdout = s;
    return 0;
}

int tlsd_drop_privileges(const char *user, char *err, size_t errlen)
{
    if (geteuid() != 0 && getuid() != 0)
        return 0;
    struct passwd *pw = getpwnam(user ? user : "nobody");
    if (!pw) {
        snprintf(err, errlen, "no such user '%s' to switch to", user ? user : "nobody");
        return -1;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        snprintf(err, errlen, "cannot switch to user '%s': %s", pw->pw_name, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        snprintf(err, errlen, "could regain root after dropping it; stopping");
        return -1;
    }
    return 0;
}

void tlsd_on_stop_signals(void (*handler)(int))
{
    struct sigaction sa = {.sa_handler = handler};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
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
