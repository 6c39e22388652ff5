/*
 * Ring micro-benchmark: slots per second from one thread to another
 * through the SPSC ring (batched and one slot at a time), and through a
 * mutex and condition-variable queue of the same capacity doing the same
 * work (copy a small packet into a slot, check it on the other side).
 *
 *   bench/ring [SLOTS]       default 100 million (the mutex queue gets a
 *                            tenth: it is that much slower)
 *
 * Prints one line per variant and the ratio. Not a test: figures depend on
 * the machine, and the two threads want two idle cores. Producer and
 * consumer are pinned to CPUs 0 and 1 when there are two, so that every
 * variant moves its slots between cores, as capture and worker threads do.
 */
#define _GNU_SOURCE /* pthread_setaffinity_np */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"

#define BENCH_SLOT_COUNT 4096
#define BENCH_DATA_LEN   64 /* a small packet: a bare TCP segment's headers */
#define BENCH_BATCH      64

/* A side that finds the ring full (or empty) spins a little, then gives
 * its core away, as the pipeline does: on a busy machine a pure spin
 * would burn the time slice its partner needs. */
#define BENCH_SPIN_COUNT 64

static void bench_wait(unsigned *misses)
{
    if (++*misses >= BENCH_SPIN_COUNT) {
        *misses = 0;
        sched_yield();
    }
}

struct bench_ring {
    struct ring *ring;
    uint64_t count;
    size_t batch;
    uint64_t checksum; /* consumer's: proves it read every slot */
};

/* Pins a new thread to cpu; without two CPUs the figures mean little. */
static void bench_start(pthread_t *t, void *(*fn)(void *), void *arg, int cpu)
{
    pthread_create(t, NULL, fn, arg);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(*t, sizeof(set), &set) != 0)
        fprintf(stderr, "note: cannot pin a thread to CPU %d\n", cpu);
}

static double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_fill(uint8_t *data, uint64_t n)
{
    memset(data, (int)(n & 0xff), BENCH_DATA_LEN);
    memcpy(data, &n, sizeof(n));
}

static void *ring_producer(void *arg)
{
    struct bench_ring *b = arg;
    uint64_t n = 0;
    unsigned misses = 0;
    while (n < b->count) {
        uint64_t left = b->count - n;
        size_t want = left < b->batch ? (size_t)left : b->batch;
        size_t got = ring_reserve(b->ring, want);
        for (size_t i = 0; i < got; i++) {
            struct ring_slot *s = ring_reserved_slot(b->ring, i);
            s->number = n;
            s->caplen = BENCH_DATA_LEN;
            bench_fill(s->data, n++);
        }
        if (got != 0)
            ring_commit(b->ring, got);
        else
            bench_wait(&misses);
    }
    return NULL;
}

static void *ring_consumer(void *arg)
{
    struct bench_ring *b = arg;
    uint64_t n = 0;
    uint64_t sum = 0;
    unsigned misses = 0;
    while (n < b->count) {
        size_t got = ring_peek(b->ring, b->batch);
        for (size_t i = 0; i < got; i++) {
            const struct ring_slot *s = ring_peeked_slot(b->ring, i);
            uint64_t v;
            memcpy(&v, s->data, sizeof(v));
            sum += v ^ s->number;
            n++;
        }
        if (got != 0)
            ring_release(b->ring, got);
        else
            bench_wait(&misses);
    }
    b->checksum = sum;
    return NULL;
}

static double bench_ring_run(uint64_t count, size_t batch)
{
    struct bench_ring b = {
        .ring = ring_create(BENCH_SLOT_COUNT, BENCH_DATA_LEN), .count = count, .batch = batch};
    if (b.ring == NULL) {
        fprintf(stderr, "ring: out of memory\n");
        exit(1);
    }
    pthread_t p;
    pthread_t c;
    double t0 = bench_now_s();
    bench_start(&c, ring_consumer, &b, 1);
    bench_start(&p, ring_producer, &b, 0);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    double dt = bench_now_s() - t0;
    ring_destroy(b.ring);
    if (b.checksum != 0) {
        fprintf(stderr, "ring: slots came out wrong\n");
        exit(1);
    }
    return (double)count / dt;
}

/* The classic alternative: one lock, two condition variables. */
struct mutex_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    uint8_t (*slots)[BENCH_DATA_LEN + 16];
    uint64_t head;
    uint64_t tail;
    uint64_t count;
    uint64_t checksum;
};

static void *queue_producer(void *arg)
{
    struct mutex_queue *q = arg;
    for (uint64_t n = 0; n < q->count; n++) {
        pthread_mutex_lock(&q->lock);
        while (q->head - q->tail == BENCH_SLOT_COUNT)
            pthread_cond_wait(&q->not_full, &q->lock);
        uint8_t *s = q->slots[q->head % BENCH_SLOT_COUNT];
        memcpy(s, &n, sizeof(n));
        bench_fill(s + 16, n);
        q->head++;
        pthread_cond_signal(&q->not_empty);
        pthread_mutex_unlock(&q->lock);
    }
    return NULL;
}

static void *queue_consumer(void *arg)
{
    struct mutex_queue *q = arg;
    uint64_t sum = 0;
    for (uint64_t n = 0; n < q->count; n++) {
        pthread_mutex_lock(&q->lock);
        while (q->head == q->tail)
            pthread_cond_wait(&q->not_empty, &q->lock);
        const uint8_t *s = q->slots[q->tail % BENCH_SLOT_COUNT];
        uint64_t number;
        uint64_t v;
        memcpy(&number, s, sizeof(number));
        memcpy(&v, s + 16, sizeof(v));
        sum += v ^ number;
        q->tail++;
        pthread_cond_signal(&q->not_full);
        pthread_mutex_unlock(&q->lock);
    }
    q->checksum = sum;
    return NULL;
}

static double bench_queue_run(uint64_t count)
{
    struct mutex_queue q = {.count = count};
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.not_empty, NULL);
    pthread_cond_init(&q.not_full, NULL);
    q.slots = calloc(BENCH_SLOT_COUNT, sizeof(*q.slots));
    if (q.slots == NULL) {
        fprintf(stderr, "queue: out of memory\n");
        exit(1);
    }
    pthread_t p;
    pthread_t c;
    double t0 = bench_now_s();
    bench_start(&c, queue_consumer, &q, 1);
    bench_start(&p, queue_producer, &q, 0);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    double dt = bench_now_s() - t0;
    free(q.slots);
    pthread_cond_destroy(&q.not_full);
    pthread_cond_destroy(&q.not_empty);
    pthread_mutex_destroy(&q.lock);
    if (q.checksum != 0) {
        fprintf(stderr, "queue: slots came out wrong\n");
        exit(1);
    }
    return (double)count / dt;
}

int main(int argc, char **argv)
{
    uint64_t count = 100000000;
    if (argc > 1) {
        char *end = NULL;
        count = strtoull(argv[1], &end, 10);
        if (end == argv[1] || *end != '\0' || count == 0) {
            fprintf(stderr, "usage: %s [SLOTS]\n", argv[0]);
            return 2;
        }
    }
    printf("%" PRIu64 " slots of %d bytes, ring of %d slots\n", count, BENCH_DATA_LEN,
           BENCH_SLOT_COUNT);
    double batched = bench_ring_run(count, BENCH_BATCH);
    printf("spsc ring, batches of %-3d %8.1f M slots/s\n", BENCH_BATCH, batched / 1e6);
    double single = bench_ring_run(count, 1);
    printf("spsc ring, one at a time  %8.1f M slots/s\n", single / 1e6);
    uint64_t queue_count = count / 10 != 0 ? count / 10 : count;
    double queue = bench_queue_run(queue_count);
    printf("mutex + condvar queue     %8.1f M slots/s (%" PRIu64 " slots)\n", queue / 1e6,
           queue_count);
    printf("batched ring / mutex queue: %.1fx\n", batched / queue);
    return 0;
}
