/*
 * Whole records to a file descriptor (sink_file.h). The buffer only ever
 * holds whole records, and write(2) is only ever given the buffer's whole
 * content or one whole record, retried until all of it is written: a short
 * write (a pipe, a signal) continues where it stopped, so the file never
 * ends inside a record unless the process is killed inside write(2).
 * sink_file_exit() does not: it waits for a write under way to end.
 */
#include "sink_file.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

/*
 * A forced exit (sink_file_exit(), from a signal handler) and the writers,
 * on any thread. Sequentially consistent, both sides: the handler stores
 * the status, then loads the count of writes under way; a writer lowers
 * the count, then loads the status. In any interleaving one side sees the
 * other's store, so the process exits either at once, with no write under
 * way, or right after the one under way: never inside a record. Both are
 * lock-free (C11 7.17.5), as a signal handler needs.
 */
static atomic_int sink_exit_status; /* 0: no exit asked for */
static atomic_int sink_writes;      /* write(2) calls under way, with their retries */

void sink_file_exit(int status)
{
    atomic_store(&sink_exit_status, status);
    if (atomic_load(&sink_writes) == 0)
        _exit(status);
}

struct sink_file {
    int fd;
    bool is_immediate;
    pthread_mutex_t lock; /* guards everything below */
    char *buf;            /* owned: whole records not yet written */
    size_t buf_len;
    size_t buf_cap;
    int error; /* the first write error, 0 if none */
};

struct sink_file *sink_file_create(int fd, size_t buf_cap, bool is_immediate)
{
    struct sink_file *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->fd = fd;
    s->is_immediate = is_immediate;
    s->buf_cap = buf_cap;
    s->buf = malloc(buf_cap > 0 ? buf_cap : 1);
    if (s->buf == NULL || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->buf);
        free(s);
        return NULL;
    }
    return s;
}

void sink_file_destroy(struct sink_file *s)
{
    if (s == NULL)
        return;
    (void)sink_file_flush(s);
    pthread_mutex_destroy(&s->lock);
    free(s->buf);
    free(s);
}

/* Under the lock: all of bytes, or the error. */
static void sink_write_all(struct sink_file *s, const char *bytes, size_t len)
{
    atomic_fetch_add(&sink_writes, 1);
    while (len > 0 && s->error == 0) {
        ssize_t n = write(s->fd, bytes, len);
        if (n < 0) {
            if (errno != EINTR)
                s->error = errno;
            continue;
        }
        bytes += n;
        len -= (size_t)n;
    }
    atomic_fetch_sub(&sink_writes, 1);
    int status = atomic_load(&sink_exit_status);
    if (status != 0)
        _exit(status);
}

static void sink_flush_locked(struct sink_file *s)
{
    sink_write_all(s, s->buf, s->buf_len);
    s->buf_len = 0;
}

void sink_file_write(struct sink_file *s, const char *bytes, size_t len)
{
    pthread_mutex_lock(&s->lock);
    if (len > s->buf_cap - s->buf_len)
        sink_flush_locked(s);
    if (len > s->buf_cap) {
        sink_write_all(s, bytes, len);
    } else {
        memcpy(s->buf + s->buf_len, bytes, len);
        s->buf_len += len;
        if (s->is_immediate)
            sink_flush_locked(s);
    }
    pthread_mutex_unlock(&s->lock);
}

bool sink_file_flush(struct sink_file *s)
{
    pthread_mutex_lock(&s->lock);
    sink_flush_locked(s);
    int error = s->error;
    pthread_mutex_unlock(&s->lock);
    if (error != 0)
        errno = error;
    return error == 0;
}
