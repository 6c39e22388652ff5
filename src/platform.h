/*
 * What differs between the operating systems tcpverdict runs on, behind
 * one interface: mapping files, anonymous memory, signals or console
 * events, privileges, temporary files, randomness, waiting on a live
 * capture, and the socket headers. platform_posix.c implements it for
 * Linux and the BSDs, platform_win.c for Windows (mingw-w64, Npcap). The
 * rest of the program includes this header and never tests the platform
 * itself.
 */
#ifndef TV_PLATFORM_H
#define TV_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* inet_ntop, inet_pton, AF_INET and AF_INET6. */
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <sys/socket.h>
#endif

struct pcap;

/* True on the systems where -Z (drop privileges) and SIGUSR1 exist. */
extern const bool platform_is_posix;

/* ---- Files ---------------------------------------------------------- */

/* Opens path for reading in binary mode, not inherited by children; -1
 * with errno set on failure. */
int platform_open_read(const char *path);

/* Opens path for reading like platform_open_read, but only if it is a
 * regular file, and without waiting for the writer of a FIFO: -1 on
 * failure, with errno set, or with *kind naming what the path is instead
 * ("a directory", "a FIFO", "a character device", ...; else NULL). *len
 * is the file's size. */
int platform_open_regular(const char *path, uint64_t *len, const char **kind);

/* Standard input as a descriptor in binary mode. */
int platform_stdin_fd(void);

/* Standard output for binary data (-w -). */
FILE *platform_stdout_binary(void);

/* Makes directory path (mode 0777 less the umask where there is one); -1
 * with errno set on failure. */
int platform_make_dir(const char *path);

/* A new temporary file, read-write, that disappears when closed; -1 with
 * errno set on failure. */
int platform_temp_fd(void);

/* The whole of a regular file fd of len bytes, mapped read-only. */
struct platform_map {
    uint8_t *addr;
    size_t len;
    void *handle; /* the file mapping object, where the system has one */
};
bool platform_map_file(int fd, size_t len, struct platform_map *map);
/* The mapping will be read once, front to back. */
void platform_map_sequential(struct platform_map *map);
/* Bytes [off, off + len) will not be read again: their pages may go. */
void platform_map_release(struct platform_map *map, size_t off, size_t len);
void platform_unmap(struct platform_map *map);

/* Zeroed memory of len bytes whose pages are committed as they are first
 * touched; NULL if it cannot be had. */
void *platform_pages_alloc(size_t len);
void platform_pages_free(void *pages, size_t len);

/* size bytes aligned to align (a power of two, size a multiple of it),
 * freed with platform_aligned_free(). */
void *platform_aligned_alloc(size_t align, size_t size);
void platform_aligned_free(void *p);

/* ---- Signals and console events ------------------------------------- */

typedef void (*platform_event_fn)(void);

/* fn runs on each request to stop, with the signal: SIGINT or SIGTERM
 * (on Windows, SIGINT for Ctrl-C, SIGTERM for Ctrl-Break and the console
 * closing). It must do only what is async-signal-safe. */
typedef void (*platform_stop_fn)(int sig);
void platform_on_stop(platform_stop_fn fn);
/* fn runs on a request for statistics (SIGUSR1; none on Windows). */
void platform_on_stats(platform_event_fn fn);
/* fn runs on a request to reopen the outputs (SIGHUP; none on Windows). */
void platform_on_reopen(platform_event_fn fn);
/* A mapped input shrank under the reader (SIGBUS): says so and exits
 * with status exit_status, since nothing more can be read. */
void platform_on_input_lost(int exit_status);
/* Writing to a closed pipe ends the program quietly, as for any filter. */
void platform_default_broken_pipe(void);
/* Whether a write that failed with err failed because the reader went
 * away (where that does not end the program already). */
bool platform_is_broken_pipe(int err);

/* Threads started between these two calls leave the stop and statistics
 * requests to the thread that made them. Called by one thread. */
void platform_threads_quiet_begin(void);
void platform_threads_quiet_end(void);

/* ---- Privileges, randomness, time ------------------------------------ */

/* -Z: becomes user for good. false with a one-line reason in err. */
bool platform_drop_privileges(const char *user, char *err, size_t err_len);

/* len bytes from the system's random source; false if it has none. */
bool platform_random_bytes(void *buf, size_t len);

/* Monotonic nanoseconds, for intervals. */
int64_t platform_monotonic_ns(void);
void platform_sleep_ns(int64_t ns);

/* ---- Live capture ---------------------------------------------------- */

/* Whether libpcap (Npcap on Windows) can be used; false with a one-line
 * reason in err. Reading files needs it only for filters and -w. */
bool platform_pcap_available(char *err, size_t err_len);
/* Waits up to timeout_ms for packets on an activated, non-blocking p;
 * false on an error, with errno set. */
bool platform_pcap_wait(struct pcap *p, int timeout_ms);
/* Immediate delivery where the library has it; 0 on success or when the
 * library lacks the setting (then the read timeout bounds the delay). */
int platform_pcap_immediate(struct pcap *p);

/* ---- Console ---------------------------------------------------------- */

/* Standard input and output carry bytes as they are (no CRLF
 * translation), and a console shows UTF-8. */
void platform_console_setup(void);

#endif
