/*
 * The spool and the sender thread behind every remote destination. See
 * record_outlet.h.
 *
 * The spool is a singly linked list under one lock: the writer appends
 * at the tail, the sender reads a batch from the head under the lock,
 * sends it without the lock, and removes from the head only what the
 * transport confirmed. A record is therefore in the spool until it is
 * delivered, and a broken connection costs nothing but a resend.
 */
#include "record_outlet.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#include "banned.h"

/* Records handed to the transport at once: one pipelined round trip. */
#define OUTLET_BATCH_CAP        256
#define OUTLET_BACKOFF_FIRST_MS 100
#define OUTLET_BACKOFF_MAX_MS   5000
/* A sender that finds less than a batch waits this long for more: records
 * come one by one, and a round trip each would cost the broker and this
 * process far more than the wait costs a reader. */
#define OUTLET_GATHER_MS 5
/* How often an idle sender looks at the reopen count. */
#define OUTLET_WATCH_MS 500

struct record_outlet {
    const struct outlet_transport *t;
    void *ctx;
    char *label;
    size_t spool_cap_bytes;

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;  /* the sender: records, a reopen, or stop */
    pthread_cond_t idle;  /* record_outlet_finish(): the spool emptied */
    clockid_t clock;      /* the conditions' clock */
    struct outlet_record *head;
    struct outlet_record *tail;
    size_t spool_bytes;
    size_t spool_count;
    bool is_connected;
    bool is_sender_idle; /* waiting for a record: the writer wakes it */
    bool has_gathered;   /* the records at the head have had their wait */
    bool is_reopen;
    bool is_said_down;               /* stderr was told the destination is down */
    const atomic_uint *reopen_count; /* record_outlet_watch(), or NULL */
    unsigned reopen_seen;
    bool is_stopping;
    bool is_finished;
    struct outlet_counts counts;
    pthread_t sender;
};

static void outlet_deadline(clockid_t clock, int wait_ms, struct timespec *at)
{
    clock_gettime(clock, at);
    at->tv_sec += wait_ms / 1000;
    at->tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (at->tv_nsec >= 1000000000L) {
        at->tv_sec++;
        at->tv_nsec -= 1000000000L;
    }
}

/* Kept without the destination's name that transports' errors begin with:
 * the counts belong to the destination already. */
static void outlet_set_error(struct record_outlet *o, const char *err)
{
    size_t len = strlen(o->label);
    if (strncmp(err, o->label, len) == 0 && err[len] == ':' && err[len + 1] == ' ')
        err += len + 2;
    snprintf(o->counts.last_error, sizeof(o->counts.last_error), "%s",
             err[0] != '\0' ? err : "no reason given");
}

/* Under the lock: unlinks and frees the first count records. */
static void outlet_pop(struct record_outlet *o, size_t count)
{
    while (count-- > 0 && o->head != NULL) {
        struct outlet_record *r = o->head;
        o->head = r->next;
        if (o->head == NULL)
            o->tail = NULL;
        o->spool_bytes -= r->spool_bytes;
        o->spool_count--;
        free(r);
    }
}

/* Under the lock: the records left, freed. */
static uint64_t outlet_pop_all(struct record_outlet *o)
{
    uint64_t count = 0;
    for (struct outlet_record *r = o->head; r != NULL; r = r->next)
        count++;
    outlet_pop(o, SIZE_MAX);
    return count;
}

/* Under the lock: a change of the watched count asks for a reopen. */
static bool outlet_is_reopen(struct record_outlet *o)
{
    if (o->reopen_count != NULL) {
        unsigned n = atomic_load(o->reopen_count);
        if (n != o->reopen_seen) {
            o->reopen_seen = n;
            o->is_reopen = true;
        }
    }
    return o->is_reopen;
}

static int64_t outlet_now_ms(clockid_t clock)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Under the lock, which it drops while it waits: wait_ms, or less if the
 * outlet stops or is to reopen. */
static void outlet_wait_ms(struct record_outlet *o, int wait_ms)
{
    int64_t end_ms = outlet_now_ms(o->clock) + wait_ms;
    while (!o->is_stopping && !outlet_is_reopen(o)) {
        int64_t left_ms = end_ms - outlet_now_ms(o->clock);
        if (left_ms <= 0)
            break;
        struct timespec at;
        outlet_deadline(o->clock, left_ms < OUTLET_WATCH_MS ? (int)left_ms : OUTLET_WATCH_MS, &at);
        pthread_cond_timedwait(&o->wake, &o->lock, &at);
    }
}

/* One line on stderr as a destination goes down (once, until it is back),
 * comes back, or refuses us: a sensor run unattended says so in its log. */
static void outlet_say_down(struct record_outlet *o, const char *what)
{
    if (!o->is_said_down)
        log_warn("%s: %s (%s): records wait in its spool", o->label, what, o->counts.last_error);
    o->is_said_down = true;
}

/* Under the lock, which it drops while the transport works: true if the
 * outlet is connected afterwards. */
static bool outlet_connect(struct record_outlet *o, int *backoff_ms)
{
    char err[sizeof(o->counts.last_error)] = "";
    pthread_mutex_unlock(&o->lock);
    enum outlet_result result = o->t->connect(o->ctx, err, sizeof(err));
    pthread_mutex_lock(&o->lock);
    if (result == OUTLET_OK) {
        o->is_connected = true;
        o->counts.connects++;
        *backoff_ms = OUTLET_BACKOFF_FIRST_MS;
        if (o->is_said_down)
            log_info("%s: connected again", o->label);
        o->is_said_down = false;
        return true;
    }
    outlet_set_error(o, err);
    if (result == OUTLET_FATAL) {
        o->counts.is_fatal = true;
        log_error("%s refused us (%s): its records are dropped", o->label, o->counts.last_error);
        return false;
    }
    outlet_say_down(o, "cannot connect");
    outlet_wait_ms(o, *backoff_ms);
    *backoff_ms = *backoff_ms * 2 > OUTLET_BACKOFF_MAX_MS ? OUTLET_BACKOFF_MAX_MS : *backoff_ms * 2;
    return false;
}

/* Under the lock, which it drops while the transport works: one batch
 * from the spool's head. */
static void outlet_send_batch(struct record_outlet *o, int *backoff_ms)
{
    struct outlet_record *batch[OUTLET_BATCH_CAP];
    size_t n = 0;
    for (struct outlet_record *r = o->head; r != NULL && n < OUTLET_BATCH_CAP; r = r->next) {
        if (r->attempts++ > 0)
            o->counts.retried++;
        batch[n++] = r;
    }
    char err[sizeof(o->counts.last_error)] = "";
    size_t confirmed = 0;
    pthread_mutex_unlock(&o->lock);
    enum outlet_result result = o->t->send(o->ctx, batch, n, &confirmed, err, sizeof(err));
    pthread_mutex_lock(&o->lock);
    if (confirmed > n)
        confirmed = n;
    if (result == OUTLET_OK)
        confirmed = n;
    o->counts.sent += confirmed;
    outlet_pop(o, confirmed);
    switch (result) {
    case OUTLET_OK:
        break;
    case OUTLET_UNSENDABLE:
        if (confirmed < n) {
            o->counts.unsendable++;
            outlet_pop(o, 1);
        }
        outlet_set_error(o, err);
        break;
    case OUTLET_RETRY:
        outlet_set_error(o, err);
        outlet_say_down(o, "connection lost");
        pthread_mutex_unlock(&o->lock);
        o->t->disconnect(o->ctx);
        pthread_mutex_lock(&o->lock);
        o->is_connected = false;
        outlet_wait_ms(o, *backoff_ms);
        break;
    case OUTLET_FATAL:
        outlet_set_error(o, err);
        o->counts.is_fatal = true;
        log_error("%s refused us (%s): its records are dropped", o->label, o->counts.last_error);
        break;
    }
}

static void *outlet_sender(void *arg)
{
    struct record_outlet *o = arg;
    int backoff_ms = OUTLET_BACKOFF_FIRST_MS;
    pthread_mutex_lock(&o->lock);
    while (!o->is_stopping && !o->counts.is_fatal) {
        if (outlet_is_reopen(o)) {
            o->is_reopen = false;
            log_info("%s: reconnecting, as asked", o->label);
            if (o->is_connected) {
                pthread_mutex_unlock(&o->lock);
                o->t->disconnect(o->ctx);
                pthread_mutex_lock(&o->lock);
                o->is_connected = false;
            }
            backoff_ms = OUTLET_BACKOFF_FIRST_MS;
            continue;
        }
        /* Connected before the first record, so that a refusal (a wrong
         * password) shows at once and records are not counted as
         * spooled only because they came first. */
        if (!o->is_connected) {
            outlet_connect(o, &backoff_ms);
            continue;
        }
        if (o->head == NULL) {
            pthread_cond_broadcast(&o->idle);
            o->is_sender_idle = true;
            struct timespec at;
            outlet_deadline(o->clock, OUTLET_WATCH_MS, &at);
            pthread_cond_timedwait(&o->wake, &o->lock, &at);
            o->is_sender_idle = false;
            o->has_gathered = false;
            continue;
        }
        if (!o->has_gathered && o->spool_count < OUTLET_BATCH_CAP) {
            o->has_gathered = true;
            outlet_wait_ms(o, OUTLET_GATHER_MS);
            continue;
        }
        o->has_gathered = false;
        outlet_send_batch(o, &backoff_ms);
    }
    if (o->counts.is_fatal)
        o->counts.dropped_fatal += outlet_pop_all(o);
    pthread_cond_broadcast(&o->idle);
    pthread_mutex_unlock(&o->lock);
    if (o->is_connected)
        o->t->disconnect(o->ctx);
    return NULL;
}

struct record_outlet *record_outlet_create(const struct outlet_transport *t, void *ctx,
                                           const char *label, size_t spool_cap_bytes)
{
    struct record_outlet *o = calloc(1, sizeof(*o));
    if (o == NULL) {
        t->destroy(ctx);
        return NULL;
    }
    o->t = t;
    o->ctx = ctx;
    o->spool_cap_bytes = spool_cap_bytes;
    o->label = strdup(label);
    pthread_condattr_t attr;
    bool has_attr = pthread_condattr_init(&attr) == 0;
    /* Backoff and the wait at the end measured on a clock that no one
     * sets; the wall clock where the platform has no choice. */
    o->clock = CLOCK_MONOTONIC;
    if (!has_attr || pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0)
        o->clock = CLOCK_REALTIME;
    bool is_made = o->label != NULL && pthread_mutex_init(&o->lock, NULL) == 0;
    if (is_made && pthread_cond_init(&o->wake, has_attr ? &attr : NULL) != 0) {
        pthread_mutex_destroy(&o->lock);
        is_made = false;
    }
    if (is_made && pthread_cond_init(&o->idle, has_attr ? &attr : NULL) != 0) {
        pthread_cond_destroy(&o->wake);
        pthread_mutex_destroy(&o->lock);
        is_made = false;
    }
    if (has_attr)
        pthread_condattr_destroy(&attr);
    if (is_made && pthread_create(&o->sender, NULL, outlet_sender, o) != 0) {
        pthread_cond_destroy(&o->idle);
        pthread_cond_destroy(&o->wake);
        pthread_mutex_destroy(&o->lock);
        is_made = false;
    }
    if (!is_made) {
        t->destroy(ctx);
        free(o->label);
        free(o);
        return NULL;
    }
    return o;
}

static size_t outlet_str_len(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 1;
}

static const char *outlet_copy(char **at, const char *s, size_t len)
{
    char *start = *at;
    if (len > 0)
        memcpy(start, s, len);
    start[len] = '\0';
    *at += len + 1;
    return start;
}

void record_outlet_put(struct record_outlet *o, const char *type, const char *id,
                       const char *sensor, const char *json, size_t json_len, int level,
                       int64_t made_us)
{
    size_t type_len = outlet_str_len(type) - 1;
    size_t id_len = outlet_str_len(id) - 1;
    size_t sensor_len = outlet_str_len(sensor) - 1;
    size_t bytes = sizeof(struct outlet_record) + type_len + id_len + sensor_len + json_len + 4;
    pthread_mutex_lock(&o->lock);
    o->counts.queued++;
    if (o->is_finished || o->counts.is_fatal) {
        o->counts.dropped_fatal += o->counts.is_fatal;
        o->counts.unsent += !o->counts.is_fatal;
        pthread_mutex_unlock(&o->lock);
        return;
    }
    if (o->spool_bytes + bytes > o->spool_cap_bytes) {
        o->counts.dropped_full++;
        pthread_mutex_unlock(&o->lock);
        return;
    }
    pthread_mutex_unlock(&o->lock);
    /* Copied outside the lock: the sender never waits on the writer. */
    struct outlet_record *r = malloc(bytes);
    if (r == NULL) {
        pthread_mutex_lock(&o->lock);
        o->counts.dropped_full++;
        pthread_mutex_unlock(&o->lock);
        return;
    }
    char *at = (char *)(r + 1);
    r->next = NULL;
    r->type = outlet_copy(&at, type, type_len);
    r->id = outlet_copy(&at, id, id_len);
    r->sensor = outlet_copy(&at, sensor, sensor_len);
    r->json = outlet_copy(&at, json, json_len);
    r->json_len = json_len;
    r->level = level;
    r->made_us = made_us;
    r->spool_bytes = bytes;
    r->attempts = 0;
    pthread_mutex_lock(&o->lock);
    if (!o->is_connected)
        o->counts.spooled++;
    if (o->tail != NULL)
        o->tail->next = r;
    else
        o->head = r;
    o->tail = r;
    o->spool_bytes += bytes;
    o->spool_count++;
    if (o->spool_bytes > o->counts.spool_peak_bytes)
        o->counts.spool_peak_bytes = o->spool_bytes;
    if (o->is_sender_idle)
        pthread_cond_signal(&o->wake);
    pthread_mutex_unlock(&o->lock);
}

void record_outlet_watch(struct record_outlet *o, const atomic_uint *reopen_count)
{
    pthread_mutex_lock(&o->lock);
    o->reopen_count = reopen_count;
    o->reopen_seen = atomic_load(reopen_count);
    pthread_mutex_unlock(&o->lock);
}

void record_outlet_reopen(struct record_outlet *o)
{
    pthread_mutex_lock(&o->lock);
    o->is_reopen = true;
    pthread_cond_signal(&o->wake);
    pthread_mutex_unlock(&o->lock);
}

/* Under the lock, which it drops while it waits. */
static void outlet_wait_idle(struct record_outlet *o, int wait_ms)
{
    struct timespec at;
    outlet_deadline(o->clock, wait_ms > 0 ? wait_ms : 0, &at);
    while (o->head != NULL && !o->counts.is_fatal && !o->is_finished &&
           pthread_cond_timedwait(&o->idle, &o->lock, &at) != ETIMEDOUT) {
    }
}

void record_outlet_drain(struct record_outlet *o, int wait_ms)
{
    pthread_mutex_lock(&o->lock);
    outlet_wait_idle(o, wait_ms);
    pthread_mutex_unlock(&o->lock);
}

void record_outlet_finish(struct record_outlet *o, int wait_ms)
{
    record_outlet_finish_keeping(o, wait_ms, NULL, NULL);
}

void record_outlet_finish_keeping(struct record_outlet *o, int wait_ms, record_outlet_keep_fn keep,
                                  void *ctx)
{
    pthread_mutex_lock(&o->lock);
    if (o->is_finished) {
        pthread_mutex_unlock(&o->lock);
        return;
    }
    outlet_wait_idle(o, wait_ms);
    o->is_stopping = true;
    pthread_cond_signal(&o->wake);
    pthread_mutex_unlock(&o->lock);
    /* At most one transport timeout more: a send or connect under way. */
    pthread_join(o->sender, NULL);
    pthread_mutex_lock(&o->lock);
    /* The sender is gone: the spool is ours alone. */
    for (const struct outlet_record *r = o->head; keep != NULL && r != NULL; r = r->next)
        o->counts.kept += keep(ctx, r);
    o->counts.unsent += outlet_pop_all(o) - o->counts.kept;
    o->is_finished = true;
    pthread_mutex_unlock(&o->lock);
}

void record_outlet_count_restored(struct record_outlet *o, uint64_t n)
{
    pthread_mutex_lock(&o->lock);
    o->counts.restored += n;
    pthread_mutex_unlock(&o->lock);
}

void record_outlet_counts(struct record_outlet *o, struct outlet_counts *out)
{
    pthread_mutex_lock(&o->lock);
    *out = o->counts;
    pthread_mutex_unlock(&o->lock);
}

const char *record_outlet_label(const struct record_outlet *o)
{
    return o->label;
}

void record_outlet_destroy(struct record_outlet *o)
{
    if (o == NULL)
        return;
    record_outlet_finish(o, 0);
    o->t->destroy(o->ctx);
    pthread_cond_destroy(&o->idle);
    pthread_cond_destroy(&o->wake);
    pthread_mutex_destroy(&o->lock);
    free(o->label);
    free(o);
}
