/*
 * platform.h for Windows (mingw-w64); its libpcap part is in
 * platform_pcap_win.c.
 */
#include "platform.h"

/* windows.h first: the other system headers need its types. */
#include <windows.h>

#include <bcrypt.h>
#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "banned.h"

const bool platform_is_posix = false;

int platform_open_read(const char *path)
{
    return _open(path, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
}

int platform_open_regular(const char *path, uint64_t *len, const char **kind)
{
    *kind = NULL;
    int fd = platform_open_read(path);
    if (fd < 0)
        return -1;
    struct _stat64 st;
    if (_fstat64(fd, &st) != 0) {
        int err = errno;
        _close(fd);
        errno = err;
        return -1;
    }
    if ((st.st_mode & _S_IFMT) != _S_IFREG) {
        *kind = (st.st_mode & _S_IFMT) == _S_IFDIR   ? "a directory"
                : (st.st_mode & _S_IFMT) == _S_IFCHR ? "a character device"
                                                     : "a special file";
        _close(fd);
        errno = EINVAL;
        return -1;
    }
    *len = (uint64_t)st.st_size;
    return fd;
}

int platform_stdin_fd(void)
{
    _setmode(_fileno(stdin), _O_BINARY);
    return _fileno(stdin);
}

FILE *platform_stdout_binary(void)
{
    _setmode(_fileno(stdout), _O_BINARY);
    return stdout;
}

int platform_make_dir(const char *path)
{
    return _mkdir(path);
}

int platform_temp_fd(void)
{
    char dir[MAX_PATH + 1];
    char path[MAX_PATH + 1];
    DWORD n = GetTempPathA(sizeof(dir), dir);
    if (n == 0 || n > sizeof(dir) || GetTempFileNameA(dir, "tcv", 0, path) == 0) {
        errno = ENOENT;
        return -1;
    }
    /* Deleted by the system when the last handle closes. */
    HANDLE h =
        CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
                    CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EACCES;
        return -1;
    }
    int fd = _open_osfhandle((intptr_t)h, _O_RDWR | _O_BINARY);
    if (fd < 0)
        CloseHandle(h);
    return fd;
}

bool platform_map_file(int fd, size_t len, struct platform_map *map)
{
    HANDLE file = (HANDLE)_get_osfhandle(fd);
    if (file == INVALID_HANDLE_VALUE)
        return false;
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL);
    if (mapping == NULL)
        return false;
    void *addr = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, len);
    if (addr == NULL) {
        CloseHandle(mapping);
        return false;
    }
    map->addr = addr;
    map->len = len;
    map->handle = mapping;
    return true;
}

void platform_map_sequential(struct platform_map *map)
{
    (void)map; /* the cache manager detects sequential reads itself */
}

void platform_map_release(struct platform_map *map, size_t off, size_t len)
{
    /* Clean file pages leave the working set; they stay in the cache. */
    VirtualUnlock(map->addr + off, len);
}

void platform_unmap(struct platform_map *map)
{
    if (map->addr != NULL)
        UnmapViewOfFile(map->addr);
    if (map->handle != NULL)
        CloseHandle(map->handle);
    map->addr = NULL;
    map->handle = NULL;
    map->len = 0;
}

void *platform_pages_alloc(size_t len)
{
    return VirtualAlloc(NULL, len, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void platform_pages_free(void *pages, size_t len)
{
    (void)len;
    if (pages != NULL)
        VirtualFree(pages, 0, MEM_RELEASE);
}

void *platform_aligned_alloc(size_t align, size_t size)
{
    return _aligned_malloc(size, align);
}

void platform_aligned_free(void *p)
{
    _aligned_free(p);
}

static platform_stop_fn platform_stop_request_fn;

/* Runs on a thread of its own that the system starts: setting a flag is
 * all the stop function does. TRUE: handled, do not end the process; on
 * the console closing the system ends it anyway after a grace period. */
static BOOL WINAPI platform_on_console_event(DWORD event)
{
    switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
        if (platform_stop_request_fn != NULL)
            platform_stop_request_fn(event == CTRL_C_EVENT ? SIGINT : SIGTERM);
        return TRUE;
    default:
        return FALSE;
    }
}

void platform_on_stop(platform_stop_fn fn)
{
    platform_stop_request_fn = fn;
    SetConsoleCtrlHandler(platform_on_console_event, TRUE);
}

void platform_on_stats(platform_event_fn fn)
{
    (void)fn; /* no SIGUSR1: --stats-interval does the same */
}

void platform_on_reopen(platform_event_fn fn)
{
    (void)fn; /* no SIGHUP, and no destination to reopen */
}

void platform_on_input_lost(int exit_status)
{
    (void)exit_status; /* a mapped file cannot shrink while it is open here */
}

void platform_default_broken_pipe(void)
{
    /* No SIGPIPE: a write to a closed pipe fails with EPIPE (EINVAL from
     * some runtimes), which the output layer reports. */
}

bool platform_is_broken_pipe(int err)
{
    /* The C runtime reports a write to a pipe whose reader closed it as
     * EINVAL; on a pipe nothing else gives EINVAL. */
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    return err == EPIPE || (err == EINVAL && GetFileType(out) == FILE_TYPE_PIPE);
}

void platform_threads_quiet_begin(void)
{
    /* Console events arrive on a thread of their own. */
}

void platform_threads_quiet_end(void)
{
}

bool platform_drop_privileges(const char *user, char *err, size_t err_len)
{
    (void)user;
    snprintf(err, err_len, "not available on Windows: run tcpverdict as the user it should be");
    return false;
}

bool platform_random_bytes(void *buf, size_t len)
{
    if (len > ULONG_MAX)
        return false;
    return BCryptGenRandom(NULL, buf, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}

int64_t platform_monotonic_ns(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    int64_t sec = now.QuadPart / freq.QuadPart;
    int64_t rem = now.QuadPart % freq.QuadPart;
    return sec * 1000000000 + rem * 1000000000 / freq.QuadPart;
}

void platform_sleep_ns(int64_t ns)
{
    int64_t ms = (ns + 999999) / 1000000;
    Sleep(ms > 0 ? (DWORD)ms : 0);
}

void platform_console_setup(void)
{
    /* Lines end in LF on every stream: the console shows them as lines,
     * and scripts read what the Linux build writes. */
    _setmode(_fileno(stderr), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stdin), _O_BINARY);
    SetConsoleOutputCP(CP_UTF8);
}
