/* The portability layer on Windows (see platform.h), built by make windows with mingw-w64.
 * Also the program's entry point: wmain takes the UTF-16 command line, converts it to
 * UTF-8 (the encoding every string in tlsdiag is in), prepares sockets and the console, and
 * calls the portable main. */
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <libevtx.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <windows.h>

/* UTF-8 to a new UTF-16 string; NULL on failure (invalid UTF-8 or no memory). */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

static char *narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

FILE *tlsd_fopen(const char *path, const char *mode)
{
    wchar_t *wp = wide(path), *wm = wide(mode);
    FILE *f = wp && wm ? _wfopen(wp, wm) : NULL;
    if (!wp || !wm)
        errno = EINVAL;
    free(wp);
    free(wm);
    return f;
}

/* A pipe on standard input, read whole by tlsd_fopen_reader. */
static ssize_t fd_read(void *cookie, char *buf, size_t n)
{
    return _read(*(int *)cookie, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
}

static int fd_close(void *cookie)
{
    int rc = _close(*(int *)cookie);
    free(cookie);
    return rc;
}

FILE *tlsd_stdin_binary(void)
{
    int fd = _dup(0), *cookie = NULL;
    if (fd < 0)
        return NULL;
    _setmode(fd, _O_BINARY);
    if (GetFileType((HANDLE)_get_osfhandle(fd)) == FILE_TYPE_DISK) { /* seeks back */
        FILE *f = _fdopen(fd, "rb");
        if (!f)
            _close(fd);
        return f;
    }
    if (!(cookie = malloc(sizeof *cookie))) {
        _close(fd);
        return NULL;
    }
    *cookie = fd;
    return tlsd_fopen_reader(cookie, fd_read, fd_close);
}

int tlsd_dir_names(const char *folder, tlsd_dir_fn *fn, void *ctx)
{
    size_t n = strlen(folder);
    char *pattern = malloc(n + 3);
    if (!pattern)
        return -1;
    bool sep = n && (folder[n - 1] == '/' || folder[n - 1] == '\\');
    snprintf(pattern, n + 3, "%s%s*", folder, sep ? "" : "\\");
    wchar_t *wp = wide(pattern);
    free(pattern);
    WIN32_FIND_DATAW d;
    HANDLE h = wp ? FindFirstFileW(wp, &d) : INVALID_HANDLE_VALUE;
    free(wp);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    int stop = 0;
    do {
        char *name = narrow(d.cFileName);
        stop = name ? fn(ctx, name) : 0;
        free(name);
    } while (!stop && FindNextFileW(h, &d));
    FindClose(h);
    return 0;
}

/* libevtx as built narrows a UTF-16 name to the ANSI code page, which loses characters
 * outside it: a name that is not ASCII is opened by its short (8.3) name, which is, when
 * the volume keeps short names; else by the wide call. Its file layer also takes no '/'
 * separator, which the rest of Windows accepts. */
static bool ascii_w(const wchar_t *w)
{
    for (; *w; w++)
        if (*w >= 0x80)
            return false;
    return true;
}

int tlsd_evtx_open(intptr_t *file, const char *path, intptr_t **error)
{
    wchar_t *wp = wide(path);
    if (!wp)
        return -1;
    for (wchar_t *c = wp; *c; c++)
        if (*c == L'/')
            *c = L'\\';
    wchar_t *sp = NULL;
    if (!ascii_w(wp)) {
        DWORD n = GetShortPathNameW(wp, NULL, 0);
        sp = n ? malloc(n * sizeof *sp) : NULL;
        if (sp && (GetShortPathNameW(wp, sp, n) == 0 || !ascii_w(sp))) {
            free(sp);
            sp = NULL;
        }
    }
    int rc = libevtx_file_open_wide(file, sp ? sp : wp, libevtx_get_access_flags_read(), error);
    free(sp);
    free(wp);
    return rc;
}

bool tlsd_is_regular_file(const char *path)
{
    wchar_t *wp = wide(path);
    struct _stat64 st;
    bool ok = wp && _wstat64(wp, &st) == 0 && (st.st_mode & _S_IFMT) == _S_IFREG;
    free(wp);
    return ok;
}

bool tlsd_file_size(const char *path, uint64_t *size)
{
    wchar_t *wp = wide(path);
    struct _stat64 st;
    bool ok = wp && _wstat64(wp, &st) == 0;
    free(wp);
    if (ok)
        *size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    return ok;
}

/* A temporary file that Windows deletes when the last handle to it closes. */
static FILE *temp_stream(void)
{
    wchar_t dir[MAX_PATH + 1], name[MAX_PATH + 1];
    if (!GetTempPathW(MAX_PATH + 1, dir) || !GetTempFileNameW(dir, L"tld", 0, name))
        return NULL;
    HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    int fd = _open_osfhandle((intptr_t)h, _O_RDWR | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        return NULL;
    }
    FILE *f = _fdopen(fd, "w+b");
    if (!f)
        _close(fd);
    return f;
}

FILE *tlsd_fopen_reader(void *cookie, tlsd_read_fn *read, tlsd_close_fn *close)
{
    FILE *f = temp_stream();
    char buf[1 << 16];
    ssize_t n = 0;
    bool failed = false;
    /* A read error ends the stream where it happened: the bytes before it are handed out,
     * as a cookie stream hands them out before its read fails (the reader's own state
     * names the damage, e.g. a corrupt gzip member). */
    while (f && !failed && (n = read(cookie, buf, sizeof buf)) > 0)
        failed = fwrite(buf, 1, (size_t)n, f) != (size_t)n;
    if (close(cookie) != 0)
        failed = true;
    if (f && (failed || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)) {
        fclose(f);
        f = NULL;
        errno = EIO;
    }
    return f;
}

ssize_t tlsd_getline(char **line, size_t *cap, FILE *f)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF) {
        if (n + 2 > *cap) {
            size_t want = *cap ? *cap * 2 : 128;
            char *p = realloc(*line, want);
            if (!p) {
                errno = ENOMEM;
                return -1;
            }
            *line = p;
            *cap = want;
        }
        (*line)[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return -1;
    (*line)[n] = '\0';
    return (ssize_t)n;
}

void tlsd_stream_unlocked(FILE *f)
{
    (void)f; /* the C runtime has no unlocked mode for a whole stream */
}

int tlsd_sock_close(int fd)
{
    return closesocket((SOCKET)fd);
}

int tlsd_sock_dup(intptr_t sock)
{
    WSAPROTOCOL_INFOW info;
    if (WSADuplicateSocketW((SOCKET)sock, GetCurrentProcessId(), &info) != 0)
        return -1;
    SOCKET s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET)
        return -1;
    u_long nonblocking = 1; /* as the libuv socket it copies */
    ioctlsocket(s, FIONBIO, &nonblocking);
    return (int)s;
}

void tlsd_sock_timeouts(int fd, unsigned timeout_ms)
{
    DWORD ms = timeout_ms; /* Windows takes milliseconds, not a struct timeval */
    setsockopt((SOCKET)fd, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof ms);
    setsockopt((SOCKET)fd, SOL_SOCKET, SO_SNDTIMEO, (const char *)&ms, sizeof ms);
}

/* Winsock's errors have their own numbers; the code compares and prints errno values. */
int tlsd_sock_errno(void)
{
    switch (WSAGetLastError()) {
    case 0:
        return errno;
    case WSAECONNRESET:
        return ECONNRESET;
    case WSAECONNREFUSED:
        return ECONNREFUSED;
    case WSAETIMEDOUT:
        return ETIMEDOUT;
    case WSAEWOULDBLOCK:
        return EWOULDBLOCK;
    case WSAECONNABORTED:
        return ECONNABORTED;
    case WSAENETUNREACH:
        return ENETUNREACH;
    case WSAEHOSTUNREACH:
        return EHOSTUNREACH;
    case WSAEADDRNOTAVAIL:
        return EADDRNOTAVAIL;
    default:
        return EIO;
    }
}

void tlsd_sock_errno_clear(void)
{
    WSASetLastError(0);
    errno = 0;
}

int tlsd_sock_wait(int fd, bool write, int timeout_ms)
{
    WSAPOLLFD p = {.fd = (SOCKET)fd, .events = write ? POLLOUT : POLLIN};
    return WSAPoll(&p, 1, timeout_ms);
}

void tlsd_env_default(const char *name, const char *value)
{
    static char entry[128]; /* kept: the C library may keep the string itself */
    if (!getenv(name) && snprintf(entry, sizeof entry, "%s=%s", name, value) < (int)sizeof entry)
        _putenv(entry);
}

void tlsd_ignore_sigpipe(void)
{
    /* Windows sockets report a closed peer as an error (WSAECONNRESET), never a signal. */
}

void tlsd_thread_sigpipe_block(bool block)
{
    (void)block; /* no SIGPIPE on Windows (see tlsd_ignore_sigpipe) */
}

time_t tlsd_timegm(struct tm *tm)
{
    return _mkgmtime(tm);
}

struct tm *tlsd_gmtime(const time_t *t, struct tm *out)
{
    return gmtime_s(out, t) == 0 ? out : NULL;
}

struct tm *tlsd_localtime(const time_t *t, struct tm *out)
{
    return localtime_s(out, t) == 0 ? out : NULL;
}

long tlsd_utc_offset_min(const struct tm *local)
{
    struct tm l = *local, u = *local;
    time_t t = mktime(&l);         /* the instant */
    time_t as_utc = _mkgmtime(&u); /* the same wall-clock reading taken as UTC */
    return t == (time_t)-1 || as_utc == (time_t)-1 ? 0 : (long)((as_utc - t) / 60);
}

/* One number of at most width digits into *out. */
static const char *strp_num(const char *s, int width, int *out)
{
    int v = 0, k = 0;
    while (k < width && s[k] >= '0' && s[k] <= '9')
        v = v * 10 + (s[k++] - '0');
    *out = v;
    return k ? s + k : NULL;
}

const char *tlsd_strptime(const char *s, const char *fmt, struct tm *tm)
{
    int v, pm = -1;
    for (; s && *fmt; fmt++) {
        if (*fmt != '%') {
            if (*fmt == ' ')
                while (*s == ' ')
                    s++;
            else if (*s++ != *fmt)
                return NULL;
            continue;
        }
        switch (*++fmt) {
        case 'Y':
            s = strp_num(s, 4, &v), tm->tm_year = v - 1900;
            break;
        case 'm':
            s = strp_num(s, 2, &v), tm->tm_mon = v - 1;
            break;
        case 'd':
            s = strp_num(s, 2, &v), tm->tm_mday = v;
            break;
        case 'H':
        case 'I':
            s = strp_num(s, 2, &v), tm->tm_hour = v;
            break;
        case 'M':
            s = strp_num(s, 2, &v), tm->tm_min = v;
            break;
        case 'S':
            s = strp_num(s, 2, &v), tm->tm_sec = v;
            break;
        case 'p':
            if (_strnicmp(s, "AM", 2) && _strnicmp(s, "PM", 2))
                return NULL;
            pm = (s[0] | 0x20) == 'p';
            s += 2;
            break;
        default:
            return NULL;
        }
    }
    if (s && pm >= 0) /* 12 AM is 0 h, 12 PM 12 h */
        tm->tm_hour = tm->tm_hour % 12 + (pm ? 12 : 0);
    return s;
}

uint64_t tlsd_now_ms(void)
{
    return GetTickCount64();
}

void *tlsd_aligned_alloc(size_t alignment, size_t size)
{
    (void)alignment, (void)size;
    return NULL;
}

FILE *tlsd_fmemopen(const void *buf, size_t len)
{
    FILE *f = temp_stream();
    if (f && (fwrite(buf, 1, len, f) != len || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)) {
        fclose(f);
        f = NULL;
        errno = EIO;
    }
    return f;
}

char *tlsd_strcasestr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = haystack; *p; p++)
        if (_strnicmp(p, needle, n) == 0)
            return (char *)p;
    return n == 0 ? (char *)haystack : NULL;
}

void *tlsd_memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    while (n--)
        if (p[n] == (unsigned char)c)
            return (void *)(p + n);
    return NULL;
}

void *tlsd_memmem(const void *haystack, size_t hlen, const void *needle, size_t nlen)
{
    const char *h = haystack;
    if (nlen == 0)
        return (void *)h;
    for (size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++)
        if (memcmp(h + i, needle, nlen) == 0)
            return (void *)(h + i);
    return NULL;
}

char *tlsd_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

bool tlsd_terminal_colour(FILE *stream)
{
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(stream));
    DWORD mode;
    if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode))
        return false; /* a file or a pipe (isatty would also say yes for NUL) */
    return (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) ||
           SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
}

unsigned tlsd_terminal_width(FILE *stream)
{
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(stream));
    CONSOLE_SCREEN_BUFFER_INFO info;
    if (h == INVALID_HANDLE_VALUE || !GetConsoleScreenBufferInfo(h, &info))
        return 0;
    return (unsigned)(info.srWindow.Right - info.srWindow.Left + 1);
}

/* stdout's filter: fd 1 is the write end of a pipe whose read end this thread reads. */
static struct stdout_filter {
    HANDLE thread;
    int rd;
    void *cookie;
    tlsd_write_fn *write;
    tlsd_close_fn *close;
    int err;      /* errno of the first write (or the close) that failed */
    HANDLE out_h; /* where the filter writes: the real standard output */
} filter;

static bool output_is_pipe(void)
{
    HANDLE h = filter.thread ? filter.out_h : (HANDLE)_get_osfhandle(1);
    return h != INVALID_HANDLE_VALUE && GetFileType(h) == FILE_TYPE_PIPE;
}

/* A closed pipe is EPIPE: Windows says ERROR_NO_DATA or ERROR_BROKEN_PIPE, and the C
 * runtime's write may have set EINVAL for it (Wine's msvcrt does, with the last error
 * gone by then): a write to a pipe that fails with EINVAL is taken as one. */
int tlsd_write_errno(void)
{
    DWORD e = GetLastError();
    if (e == ERROR_NO_DATA || e == ERROR_BROKEN_PIPE)
        return EPIPE;
    return errno == EINVAL && output_is_pipe() ? EPIPE : errno;
}

static DWORD WINAPI filter_pump(void *arg)
{
    (void)arg;
    char buf[1 << 14];
    int n;
    while ((n = _read(filter.rd, buf, sizeof buf)) > 0)
        if (!filter.err && filter.write(filter.cookie, buf, (size_t)n) < 0)
            filter.err = tlsd_write_errno() ? tlsd_write_errno() : EIO; /* read on */
    _close(filter.rd);
    if (filter.close(filter.cookie) != 0 && !filter.err)
        filter.err = tlsd_write_errno() ? tlsd_write_errno() : EIO;
    return 0;
}

/* The filter has written everything: its end is waited for. */
static void filter_join(void)
{
    WaitForSingleObject(filter.thread, INFINITE);
    CloseHandle(filter.thread);
    filter.thread = NULL;
}

int tlsd_close_stdout(void)
{
    if (!filter.thread) {
        int rc = fclose(stdout);
        if (rc != 0)
            errno = tlsd_write_errno();
        return rc;
    }
    int rc = fclose(stdout); /* fd 1, the pipe's only write end: the pump reads to its end */
    int err = errno;
    filter_join();
    if (filter.err) {
        errno = filter.err;
        return -1;
    }
    errno = err;
    return rc;
}

/* At exit, unless tlsd_close_stdout did it: the program's last output reaches the filter,
 * whose end is waited for. */
static void filter_drain(void)
{
    if (!filter.thread)
        return;
    fflush(stdout);
    int null = _open("NUL", _O_WRONLY);
    if (null >= 0) { /* fd 1 off the pipe: the pump reads to its end */
        _dup2(null, 1);
        _close(null);
    } else {
        _close(1);
    }
    filter_join();
}

int tlsd_filter_stdout(void *cookie, tlsd_write_fn *write, tlsd_close_fn *close, FILE **real)
{
    int fds[2], out = _dup(1);
    FILE *r = out >= 0 ? _fdopen(out, "w") : NULL;
    if (!r || _pipe(fds, 1 << 16, _O_BINARY | _O_NOINHERIT) != 0) {
        if (r)
            fclose(r);
        return -1;
    }
    bool console = tlsd_terminal_width(r) > 0;
    filter = (struct stdout_filter){.rd = fds[0],
                                    .cookie = cookie,
                                    .write = write,
                                    .close = close,
                                    .out_h = (HANDLE)_get_osfhandle(out)};
    fflush(stdout);
    if (_dup2(fds[1], 1) != 0 ||
        !(filter.thread = CreateThread(NULL, 0, filter_pump, NULL, 0, NULL))) {
        _close(fds[0]);
        _close(fds[1]);
        fclose(r);
        return -1;
    }
    _close(fds[1]);
    /* The program's newlines reach the filter as written; r turns them into CRLF. */
    _setmode(1, _O_BINARY);
    if (console)
        setvbuf(stdout, NULL, _IOLBF, 1 << 12);
    atexit(filter_drain);
    *real = r;
    return 0;
}

int tlsd_drop_privileges(const char *user, char *err, size_t errlen)
{
    (void)user, (void)err, (void)errlen;
    return 0; /* no root to give up: serve runs as the user who started it */
}

void tlsd_on_stop_signals(void (*handler)(int))
{
    signal(SIGINT, handler); /* Ctrl+C, from the console's control handler */
    signal(SIGTERM, handler);
}

/* ---- the registry ------------------------------------------------------------------ */

static enum tlsd_reg_status open_key(const char *key, HKEY *h)
{
    wchar_t *wk = wide(key);
    if (!wk)
        return TLSD_REG_ERROR;
    LONG rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, wk, 0, KEY_READ | KEY_WOW64_64KEY, h);
    free(wk);
    return rc == ERROR_SUCCESS          ? TLSD_REG_OK
           : rc == ERROR_FILE_NOT_FOUND ? TLSD_REG_NO_KEY
                                        : TLSD_REG_ERROR;
}

/* REG_MULTI_SZ: strings each ended by NUL, the list by another; joined with newlines. */
static void join_multi(wchar_t *w, size_t chars)
{
    for (size_t i = 0; i + 1 < chars && !(w[i] == 0 && w[i + 1] == 0); i++)
        if (w[i] == 0)
            w[i] = L'\n';
}

/* Names are at most 16,383 characters; data is read with a buffer that grows. */
#define REG_NAME_MAX 16384

enum tlsd_reg_status tlsd_reg_values(const char *key, tlsd_reg_value_fn *fn, void *ctx)
{
    HKEY h;
    enum tlsd_reg_status st = open_key(key, &h);
    if (st != TLSD_REG_OK)
        return st;
    wchar_t *name = malloc(REG_NAME_MAX * sizeof *name);
    DWORD cap = 4096;
    BYTE *data = malloc(cap + 2 * sizeof(wchar_t));
    bool stop = false;
    DWORD i = 0;
    while (name && data && st == TLSD_REG_OK && !stop) {
        DWORD nlen = REG_NAME_MAX, dlen = cap, type;
        LONG rc = RegEnumValueW(h, i, name, &nlen, NULL, &type, data, &dlen);
        if (rc == ERROR_NO_MORE_ITEMS)
            break;
        if (rc == ERROR_MORE_DATA) { /* the same value again, with room for it */
            BYTE *bigger = realloc(data, (size_t)dlen + 2 * sizeof(wchar_t));
            if (!bigger)
                st = TLSD_REG_ERROR;
            else
                data = bigger, cap = dlen;
            continue;
        }
        if (rc != ERROR_SUCCESS) {
            st = TLSD_REG_ERROR;
            break;
        }
        memset(data + dlen, 0, 2 * sizeof(wchar_t)); /* strings need not end with NUL */
        char *n8 = narrow(name), *t8 = NULL;
        enum tlsd_live_type t = TLSD_LIVE_OTHER;
        uint32_t number = 0;
        if (type == REG_DWORD && dlen == sizeof(DWORD)) {
            t = TLSD_LIVE_DWORD;
            memcpy(&number, data, sizeof number);
        } else if (type == REG_SZ || type == REG_EXPAND_SZ || type == REG_MULTI_SZ) {
            t = type == REG_MULTI_SZ ? TLSD_LIVE_TEXT_LIST : TLSD_LIVE_TEXT;
            if (t == TLSD_LIVE_TEXT_LIST)
                join_multi((wchar_t *)data, dlen / sizeof(wchar_t));
            t8 = narrow((wchar_t *)data);
        }
        if (!n8 || ((t == TLSD_LIVE_TEXT || t == TLSD_LIVE_TEXT_LIST) && !t8))
            st = TLSD_REG_ERROR;
        else
            stop = fn(ctx, n8, t, number, t8) != 0;
        free(n8);
        free(t8);
        i++;
    }
    if (!name || !data)
        st = TLSD_REG_ERROR;
    free(name);
    free(data);
    RegCloseKey(h);
    return st;
}

enum tlsd_reg_status tlsd_reg_subkeys(const char *key, tlsd_reg_key_fn *fn, void *ctx)
{
    HKEY h;
    enum tlsd_reg_status st = open_key(key, &h);
    if (st != TLSD_REG_OK)
        return st;
    wchar_t name[256]; /* key names are at most 255 characters */
    for (DWORD i = 0;; i++) {
        DWORD len = sizeof name / sizeof name[0];
        LONG rc = RegEnumKeyExW(h, i, name, &len, NULL, NULL, NULL, NULL);
        if (rc == ERROR_NO_MORE_ITEMS)
            break;
        char *n8 = rc == ERROR_SUCCESS ? narrow(name) : NULL;
        int stop = n8 ? fn(ctx, n8) : 0;
        free(n8);
        if (!n8) {
            st = TLSD_REG_ERROR;
            break;
        }
        if (stop)
            break;
    }
    RegCloseKey(h);
    return st;
}

bool tlsd_os_version(unsigned *major, unsigned *minor, unsigned *build)
{
    typedef LONG(WINAPI * rtl_get_version)(OSVERSIONINFOW *);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    rtl_get_version get = NULL;
    FARPROC p = ntdll ? GetProcAddress(ntdll, "RtlGetVersion") : NULL;
    memcpy(&get, &p, sizeof get); /* FARPROC to the real signature */
    OSVERSIONINFOW v = {.dwOSVersionInfoSize = sizeof v};
    if (!get || get(&v) != 0)
        return false;
    *major = v.dwMajorVersion;
    *minor = v.dwMinorVersion;
    *build = v.dwBuildNumber;
    return true;
}

int main(int argc, char **argv);

/* The entry point (linked with -municode). */
int wmain(int argc, wchar_t **wargv)
{
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    for (int i = 0; argv && i < argc; i++)
        if (!(argv[i] = narrow(wargv[i]))) {
            fputs("tlsdiag: cannot convert the command line to UTF-8\n", stderr);
            return 3;
        }
    if (!argv)
        return 3;
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        fputs("tlsdiag: cannot start Windows sockets\n", stderr);
        return 3;
    }
    /* Input is read as bytes: text is decoded (UTF-16, CRLF) by tlsd_text_decode, and a
     * capture on stdin is binary. */
    _setmode(_fileno(stdin), _O_BINARY);
    /* Text written is UTF-8: the console shows it as such. */
    SetConsoleOutputCP(CP_UTF8);
    /* Paths handed to libpcap are UTF-8 too. */
    char err[PCAP_ERRBUF_SIZE];
    (void)pcap_init(PCAP_CHAR_ENC_UTF_8, err);
    int rc = main(argc, argv);
    WSACleanup();
    return rc;
}
