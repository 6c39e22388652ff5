/*
 * platform.h for Linux and the BSDs.
 */
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/random.h>
#endif
#include <time.h>
#include <unistd.h>

#include "banned.h"

const bool platform_is_posix = true;

int platform_open_read(const char *path)
{
    return open(path, O_RDONLY | O_CLOEXEC);
}

int platform_open_regular(const char *path, uint64_t *len, const char **kind)
{
    *kind = NULL;
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        *kind = S_ISDIR(st.st_mode)    ? "a directory"
                : S_ISCHR(st.st_mode)  ? "a character device"
                : S_ISBLK(st.st_mode)  ? "a block device"
                : S_ISFIFO(st.st_mode) ? "a FIFO"
                : S_ISSOCK(st.st_mode) ? "a socket"
                                       : "a special file";
        close(fd);
        errno = EINVAL;
        return -1;
    }
    /* Reads of a regular file never wait anyway; cleared for tidiness. */
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    *len = (uint64_t)st.st_size;
    return fd;
}

int platform_stdin_fd(void)
{
    return STDIN_FILENO;
}

FILE *platform_stdout_binary(void)
{
    return stdout;
}

int platform_make_dir(const char *path)
{
    return mkdir(path, 0777);
}

int platform_temp_fd(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/tcpverdict-XXXXXX",
                     dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(path);
    if (fd >= 0)
        unlink(path); /* gone from the directory; the descriptor keeps it */
    return fd;
}

bool platform_map_file(int fd, size_t len, struct platform_map *map)
{
    void *addr = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED)
        return false;
    map->addr = addr;
    map->len = len;
    map->handle = NULL;
    return true;
}

void platform_map_sequential(struct platform_map *map)
{
    /* More read-ahead, and pages not kept hot. */
    madvise(map->addr, map->len, MADV_SEQUENTIAL);
}

void platform_map_release(struct platform_map *map, size_t off, size_t len)
{
    madvise(map->addr + off, len, MADV_DONTNEED);
}

void platform_unmap(struct platform_map *map)
{
    if (map->addr != NULL)
        munmap(map->addr, map->len);
    map->addr = NULL;
    map->len = 0;
}

void *platform_pages_alloc(size_t len)
{
    void *pages =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return pages == MAP_FAILED ? NULL : pages;
}

void platform_pages_free(void *pages, size_t len)
{
    if (pages != NULL)
        munmap(pages, len);
}

void *platform_aligned_alloc(size_t align, size_t size)
{
    return aligned_alloc(align, size);
}

void platform_aligned_free(void *p)
{
    free(p);
}

static platform_stop_fn platform_stop_request_fn;
static platform_event_fn platform_stats_fn;
static platform_event_fn platform_reopen_fn;
static int platform_lost_status;

static void platform_on_stop_signal(int sig)
{
    if (platform_stop_request_fn != NULL)
        platform_stop_request_fn(sig);
}

static void platform_on_stats_signal(int sig)
{
    (void)sig;
    if (platform_stats_fn != NULL)
        platform_stats_fn();
}

static void platform_on_reopen_signal(int sig)
{
    (void)sig;
    if (platform_reopen_fn != NULL)
        platform_reopen_fn();
}

/* Only write() and _exit() here: both are async-signal-safe. */
static void platform_on_bus_error(int sig)
{
    (void)sig;
    static const char msg[] = "tcpverdict: an input file shrank while it was being read; "
                              "stopping\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)n;
    _exit(platform_lost_status);
}

/* No SA_RESTART: a live capture's poll, or a read waiting on a pipe,
 * must wake up. */
static void platform_set_handler(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = handler;
    sigaction(sig, &sa, NULL);
}

void platform_on_stop(platform_stop_fn fn)
{
    platform_stop_request_fn = fn;
    platform_set_handler(SIGINT, platform_on_stop_signal);
    platform_set_handler(SIGTERM, platform_on_stop_signal);
}

void platform_on_stats(platform_event_fn fn)
{
    platform_stats_fn = fn;
    platform_set_handler(SIGUSR1, platform_on_stats_signal);
}

void platform_on_reopen(platform_event_fn fn)
{
    platform_reopen_fn = fn;
    platform_set_handler(SIGHUP, platform_on_reopen_signal);
}

void platform_on_input_lost(int exit_status)
{
    platform_lost_status = exit_status;
    platform_set_handler(SIGBUS, platform_on_bus_error);
}

void platform_default_broken_pipe(void)
{
    signal(SIGPIPE, SIG_DFL);
}

bool platform_is_broken_pipe(int err)
{
    return err == EPIPE;
}

static sigset_t platform_saved_mask;

void platform_threads_quiet_begin(void)
{
    /* New threads inherit the mask: signals meant for the process must
     * reach the thread that waits in poll. Faults and SIGPIPE stay with
     * the thread that caused them. */
    sigset_t block;
    sigfillset(&block);
    sigdelset(&block, SIGPIPE);
    sigdelset(&block, SIGSEGV);
    sigdelset(&block, SIGBUS);
    sigdelset(&block, SIGFPE);
    sigdelset(&block, SIGILL);
    pthread_sigmask(SIG_BLOCK, &block, &platform_saved_mask);
}

void platform_threads_quiet_end(void)
{
    pthread_sigmask(SIG_SETMASK, &platform_saved_mask, NULL);
}

/* As tcpdump does: the user's groups, its group, then its user. Any
 * failure stops the run rather than go on with more privilege than asked
 * for. */
bool platform_drop_privileges(const char *user, char *err, size_t err_len)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        snprintf(err, err_len, "%s", errno != 0 ? strerror(errno) : "no such user");
        return false;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        snprintf(err, err_len, "cannot change to that user: %s", strerror(errno));
        return false;
    }
    /* A process that can take root back has not dropped anything. */
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        snprintf(err, err_len, "root privileges could be regained; stopping");
        return false;
    }
    return true;
}

bool platform_random_bytes(void *buf, size_t len)
{
#ifdef __linux__
    /* getrandom(): no descriptor, and it works where /dev is missing. */
    uint8_t *out = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(out + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == len)
        return true;
#endif
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return true;
}

int64_t platform_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void platform_sleep_ns(int64_t ns)
{
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    nanosleep(&ts, NULL);
}

void platform_console_setup(void)
{
}
