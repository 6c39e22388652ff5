/*
 * Capture generator for bench/run: writes a pcap file of synthetic but
 * realistic TCP traffic, the same bytes for the same seed and options.
 *
 * Normal mode keeps a fixed number of flows open (--flows) and replaces
 * each as it ends, so the capture interleaves flows the way a mirror port
 * does. Flows have handshakes, request/response exchanges with MSS-sized
 * segments and delayed ACKs, FIN and RST closes, orphan segments after a
 * RST, refused and unanswered connects, and mid-stream starts (mostly
 * among the flows already open when the capture begins). One server, the
 * offload host, leaves the pseudo-header partial sum in its TCP checksums
 * and sends super-segments larger than the MSS, as a capture taken on a
 * host with transmit offloads shows. A tenth of the clients sit behind an
 * 802.1Q tag, a fifth of the flows are IPv6; every other checksum is
 * correct. Packet times follow each flow's round-trip time, so they
 * advance as on a real link.
 *
 * --concurrent N opens N flows one after another, exchanges data on each,
 * then closes them all, so that N flows are open at once; a larger -n
 * repeats that with new flows.
 *
 * Everything is derived from the seed through one PRNG per flow or per
 * run; nothing reads the clock.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define PCAP_MAGIC_US   0xa1b2c3d4u
#define LINKTYPE_ETHER  1
#define SNAPLEN_DEFAULT 262144u
#define FRAME_MAX       70000u
#define SUPER_SEG_MAX   62264u /* payload bytes: the IP length field's room, rounded */
#define ETH_MIN_FRAME   60u
#define CLIENT_COUNT    60000u
#define SERVER_COUNT    256u
#define OFFLOAD_SERVER  0u                 /* server index of the offload host */
#define START_US        1767225600000000LL /* 2026-01-01 00:00:00 UTC */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

enum side { CLIENT = 0, SERVER = 1 };

enum flow_kind {
    KIND_NORMAL = 0,
    KIND_RST,     /* closed by a RST, sometimes with orphans after it */
    KIND_REFUSED, /* SYN answered by RST, sometimes retried */
    KIND_UNANSWERED,
    KIND_MIDSTREAM, /* no handshake: open before the capture started */
    KIND_OFFLOAD,   /* served by the offload host */
    KIND_CONCURRENT,
    KIND_COUNT
};

static const char *const kind_name[KIND_COUNT] = {
    [KIND_NORMAL] = "normal",         [KIND_RST] = "rst",
    [KIND_REFUSED] = "refused",       [KIND_UNANSWERED] = "unanswered",
    [KIND_MIDSTREAM] = "midstream",   [KIND_OFFLOAD] = "offload",
    [KIND_CONCURRENT] = "concurrent",
};

/* splitmix64: small, fast, and good enough for traffic shapes. */
struct rng {
    uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
    return lo + rng_next(r) % (hi - lo + 1);
}

static bool rng_percent(struct rng *r, unsigned percent)
{
    return rng_next(r) % 100 < percent;
}

/* One packet of a flow's script, in the flow's time order. */
struct seg {
    int64_t t_us;
    uint32_t seq;
    uint32_t ack;
    uint16_t payload_len;
    uint8_t dir; /* enum side that sent it */
    uint8_t flags;
};

struct flow {
    uint64_t number;  /* how many flows came before */
    uint8_t kind;     /* enum flow_kind */
    uint8_t family;   /* 4 or 6 */
    uint16_t vlan_id; /* 0: untagged */
    uint8_t addr[2][16];
    uint16_t port[2];
    uint8_t mac[2][6];
    uint8_t ttl[2];
    uint16_t ip_id[2];
    uint32_t flow_label[2];
    uint16_t window[2];
    uint32_t ts_base[2];
    bool has_timestamps;
    bool is_offloaded[2]; /* side leaves partial sums and sends super-segments */
    uint16_t mss;
    int64_t rtt_us;
    /* Script under construction. */
    int64_t now_us;
    uint32_t snd_next[2];
    struct seg *segs; /* owned */
    uint32_t seg_count;
    uint32_t seg_cap;
    uint32_t next; /* next segment to write */
    struct rng rng;
};

struct writer {
    FILE *out; /* borrowed */
    uint32_t snaplen;
    uint64_t packet_count;
    uint64_t byte_count;
    uint64_t flow_count[KIND_COUNT];
    uint8_t frame[FRAME_MAX];
    uint8_t payload_pool[65536 + SUPER_SEG_MAX];
    struct rng rng;
    bool is_failed;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* One's complement sum of big-endian 16-bit words, unfolded. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < len)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* --- flow scripts --------------------------------------------------- */

static bool flow_push(struct flow *f, int64_t gap_us, enum side dir, uint8_t flags,
                      uint32_t payload_len)
{
    if (f->seg_count == f->seg_cap) {
        uint32_t cap = f->seg_cap ? f->seg_cap * 2 : 64;
        struct seg *segs = realloc(f->segs, cap * sizeof(*segs));
        if (segs == NULL)
            return false;
        f->segs = segs;
        f->seg_cap = cap;
    }
    f->now_us += gap_us;
    struct seg *s = &f->segs[f->seg_count++];
    s->t_us = f->now_us;
    s->seq = f->snd_next[dir];
    s->ack = (flags & TCP_ACK) ? f->snd_next[!dir] : 0;
    s->payload_len = (uint16_t)payload_len;
    s->dir = (uint8_t)dir;
    s->flags = flags;
    f->snd_next[dir] += payload_len + ((flags & TCP_SYN) ? 1 : 0) + ((flags & TCP_FIN) ? 1 : 0);
    return true;
}

/* Time for a full frame on the wire plus the sender's pacing jitter. */
static int64_t serialization_gap(struct flow *f)
{
    return (int64_t)rng_range(&f->rng, 12, 150);
}

static int64_t host_gap(struct flow *f)
{
    return (int64_t)rng_range(&f->rng, 10, 120);
}

static bool flow_handshake(struct flow *f)
{
    return flow_push(f, 0, CLIENT, TCP_SYN, 0) &&
           flow_push(f, f->rtt_us, SERVER, TCP_SYN | TCP_ACK, 0) &&
           flow_push(f, host_gap(f), CLIENT, TCP_ACK, 0);
}

/*
 * One side sends `len` bytes: MSS-sized segments (or super-segments from an
 * offloading side) in windows that grow like slow start, a round trip
 * between windows, and the receiver ACKing every second segment.
 */
static bool flow_transfer(struct flow *f, enum side dir, uint32_t len, int64_t first_gap_us)
{
    uint32_t window = 10;
    uint32_t in_window = 0;
    uint32_t unacked = 0;
    int64_t gap = first_gap_us;
    while (len > 0) {
        uint32_t seg_len = f->mss;
        if (f->is_offloaded[dir] && len > f->mss)
            seg_len = f->mss * (uint32_t)rng_range(&f->rng, 2, SUPER_SEG_MAX / f->mss);
        if (seg_len > len)
            seg_len = len;
        len -= seg_len;
        uint8_t flags = TCP_ACK | (len == 0 ? TCP_PSH : 0);
        if (!flow_push(f, gap, dir, flags, seg_len))
            return false;
        uint32_t seg_count = (seg_len + f->mss - 1) / f->mss;
        unacked += seg_count;
        in_window += seg_count;
        if (unacked >= 2 || len == 0) {
            if (!flow_push(f, host_gap(f), (enum side) !dir, TCP_ACK, 0))
                return false;
            unacked = 0;
        }
        gap = serialization_gap(f);
        if (in_window >= window) {
            gap = f->rtt_us;
            in_window = 0;
            if (window < 64)
                window *= 2;
        }
    }
    return true;
}

/* Response sizes: mostly small, a long tail of bulk transfers. */
static uint32_t response_len(struct flow *f)
{
    uint64_t u = rng_next(&f->rng) % 100;
    if (u < 58)
        return (uint32_t)rng_range(&f->rng, 200, 2000);
    if (u < 86)
        return (uint32_t)rng_range(&f->rng, 2000, 20000);
    if (u < 97)
        return (uint32_t)rng_range(&f->rng, 20000, 200000);
    return (uint32_t)rng_range(&f->rng, 200000, 1000000);
}

static bool flow_exchanges(struct flow *f, bool starts_with_response)
{
    uint32_t exchange_count = 1;
    while (exchange_count < 12 && rng_percent(&f->rng, 45))
        exchange_count++;
    for (uint32_t i = 0; i < exchange_count; i++) {
        if (i > 0 || !starts_with_response) {
            int64_t think = i == 0 ? host_gap(f) : (int64_t)rng_range(&f->rng, 1000, 1000000);
            uint32_t request = (uint32_t)rng_range(&f->rng, 60, 1200);
            if (!flow_transfer(f, CLIENT, request, think))
                return false;
        }
        int64_t server_think = f->rtt_us + (int64_t)rng_range(&f->rng, 50, 50000);
        if (!flow_transfer(f, SERVER, response_len(f), server_think))
            return false;
    }
    return true;
}

static bool flow_close_fin(struct flow *f)
{
    enum side closer = rng_percent(&f->rng, 60) ? CLIENT : SERVER;
    enum side other = (enum side) !closer;
    int64_t linger = (int64_t)rng_range(&f->rng, 100, 50000);
    if (!flow_push(f, linger, closer, TCP_FIN | TCP_ACK, 0))
        return false;
    if (rng_percent(&f->rng, 50) && !flow_push(f, f->rtt_us, other, TCP_ACK, 0))
        return false;
    return flow_push(f, host_gap(f), other, TCP_FIN | TCP_ACK, 0) &&
           flow_push(f, f->rtt_us, closer, TCP_ACK, 0);
}

/* A RST, and sometimes the segments the other side had in flight or sent
 * before it learned of the RST. */
static bool flow_close_rst(struct flow *f)
{
    enum side resetter = rng_percent(&f->rng, 70) ? SERVER : CLIENT;
    enum side other = (enum side) !resetter;
    int64_t gap = (int64_t)rng_range(&f->rng, 100, 2000000);
    if (!flow_push(f, gap, resetter, TCP_RST | TCP_ACK, 0))
        return false;
    if (!rng_percent(&f->rng, 40))
        return true;
    uint64_t orphan_count = rng_range(&f->rng, 1, 3);
    for (uint64_t i = 0; i < orphan_count; i++) {
        uint8_t flags = TCP_ACK | TCP_PSH;
        uint32_t len = (uint32_t)rng_range(&f->rng, 40, 1000);
        if (!flow_push(f, (int64_t)rng_range(&f->rng, 2000, 500000), other, flags, len))
            return false;
    }
    return true;
}

static bool flow_refused(struct flow *f)
{
    f->snd_next[SERVER] = 0; /* RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+1> */
    uint64_t attempt_count = rng_percent(&f->rng, 30) ? rng_range(&f->rng, 2, 4) : 1;
    for (uint64_t i = 0; i < attempt_count; i++) {
        f->snd_next[CLIENT] = (uint32_t)rng_next(&f->rng);
        int64_t gap = i == 0 ? 0 : (int64_t)rng_range(&f->rng, 500000, 3000000);
        if (!flow_push(f, gap, CLIENT, TCP_SYN, 0) ||
            !flow_push(f, f->rtt_us, SERVER, TCP_RST | TCP_ACK, 0))
            return false;
    }
    return true;
}

/* The first SYN and its retransmissions, 1 s then 2 s apart. */
static bool flow_unanswered(struct flow *f)
{
    uint32_t isn = f->snd_next[CLIENT];
    int64_t gap = 0;
    for (int i = 0; i < 3; i++) {
        f->snd_next[CLIENT] = isn;
        if (!flow_push(f, gap, CLIENT, TCP_SYN, 0))
            return false;
        gap = gap == 0 ? 1000000 : gap * 2;
    }
    return true;
}

static enum flow_kind pick_kind(struct rng *r, bool is_initial)
{
    uint64_t u = rng_next(r) % 1000;
    if (is_initial && u < 300)
        return KIND_MIDSTREAM;
    if (u < 720)
        return KIND_NORMAL;
    if (u < 800)
        return KIND_RST;
    if (u < 850)
        return KIND_REFUSED;
    if (u < 880)
        return KIND_UNANSWERED;
    if (u < 890)
        return KIND_MIDSTREAM;
    return KIND_OFFLOAD;
}

static const uint16_t service_ports[] = {443, 443,  443,  443,  443,  80,   80, 22,
                                         445, 3389, 8530, 8531, 6050, 5432, 25, 993};
static const uint16_t closed_ports[] = {6050, 6051, 8531, 3389, 5432, 9100};
static const int64_t rtt_choices_us[] = {150,  300,   600,   1200,  2500,
                                         5000, 12000, 25000, 50000, 90000};

static void host_addr(uint8_t family, bool is_server, uint32_t index, uint8_t addr[16])
{
    memset(addr, 0, 16);
    if (family == 4) {
        addr[0] = is_server ? 172 : 10;
        addr[1] = (uint8_t)(is_server ? 16 : 64 + (index >> 16));
        addr[2] = (uint8_t)(index >> 8);
        addr[3] = (uint8_t)(index & 0xff);
        if (is_server)
            addr[3] = (uint8_t)(addr[3] + 10);
        return;
    }
    addr[0] = 0x20;
    addr[1] = 0x01;
    addr[2] = 0x0d;
    addr[3] = 0xb8;
    addr[5] = is_server ? 2 : 1;
    put32(addr + 12, index + 1);
}

static void host_mac(bool is_server, uint32_t index, uint8_t mac[6])
{
    mac[0] = 0x02; /* locally administered */
    mac[1] = is_server ? 0x5e : 0x1c;
    put32(mac + 2, index);
}

/* Sets up the 5-tuple and per-host details of the flow numbered `number`. */
static void flow_init(struct flow *f, uint64_t seed, uint64_t number, enum flow_kind kind,
                      int64_t start_us)
{
    f->number = number;
    f->kind = (uint8_t)kind;
    f->rng.state = seed ^ (number * 0xd1b54a32d192ed03u);
    rng_next(&f->rng);
    f->seg_count = 0;
    f->next = 0;
    f->now_us = start_us;

    uint32_t client = (uint32_t)(number % CLIENT_COUNT);
    uint32_t server = (uint32_t)rng_range(&f->rng, 1, SERVER_COUNT - 1);
    if (kind == KIND_OFFLOAD)
        server = OFFLOAD_SERVER;
    f->family = rng_percent(&f->rng, 20) && kind != KIND_OFFLOAD ? 6 : 4;
    f->vlan_id = client % 10 == 3 ? (uint16_t)(100 + client % 7) : 0;
    host_addr(f->family, false, client, f->addr[CLIENT]);
    host_addr(f->family, true, server, f->addr[SERVER]);
    host_mac(false, client, f->mac[CLIENT]);
    host_mac(true, server, f->mac[SERVER]);
    f->port[CLIENT] = (uint16_t)(32768 + (number / CLIENT_COUNT + client * 7919u) % 28000);
    if (kind == KIND_REFUSED)
        f->port[SERVER] = closed_ports[rng_next(&f->rng) % (sizeof(closed_ports) / 2)];
    else
        f->port[SERVER] = service_ports[rng_next(&f->rng) % (sizeof(service_ports) / 2)];
    if (kind == KIND_OFFLOAD)
        f->port[SERVER] = 445;

    f->ttl[CLIENT] = client % 3 == 0 ? 128 : 64;
    f->ttl[SERVER] = (uint8_t)((server % 2 ? 128 : 64) - rng_range(&f->rng, 1, 12));
    for (int s = 0; s < 2; s++) {
        f->ip_id[s] = (uint16_t)rng_next(&f->rng);
        f->flow_label[s] = (uint32_t)rng_next(&f->rng) & 0xfffff;
        f->window[s] = (uint16_t)rng_range(&f->rng, 500, 65535);
        f->ts_base[s] = (uint32_t)rng_next(&f->rng);
        f->snd_next[s] = (uint32_t)rng_next(&f->rng);
        f->is_offloaded[s] = false;
    }
    f->is_offloaded[SERVER] = server == OFFLOAD_SERVER;
    f->has_timestamps = rng_percent(&f->rng, 75);
    uint16_t ip_tcp_len = f->family == 4 ? 40 : 60;
    f->mss = (uint16_t)(1500 - ip_tcp_len - (f->has_timestamps ? 12 : 0));
    int64_t rtt = rtt_choices_us[rng_next(&f->rng) % (sizeof(rtt_choices_us) / 8)];
    f->rtt_us = rtt + (int64_t)rng_range(&f->rng, 0, (uint64_t)rtt / 4);
}

static bool flow_script(struct flow *f)
{
    switch ((enum flow_kind)f->kind) {
    case KIND_NORMAL:
    case KIND_OFFLOAD:
        return flow_handshake(f) && flow_exchanges(f, false) && flow_close_fin(f);
    case KIND_RST:
        return flow_handshake(f) && flow_exchanges(f, false) && flow_close_rst(f);
    case KIND_REFUSED:
        return flow_refused(f);
    case KIND_UNANSWERED:
        return flow_unanswered(f);
    case KIND_MIDSTREAM:
        return flow_exchanges(f, true) && flow_close_fin(f);
    case KIND_CONCURRENT:
    case KIND_COUNT:
        break;
    }
    return false;
}

/* --- frames --------------------------------------------------------- */

static size_t tcp_options(const struct flow *f, const struct seg *s, uint8_t *p)
{
    uint32_t tsval = f->ts_base[s->dir] + (uint32_t)((s->t_us - START_US) / 1000);
    uint32_t tsecr = f->ts_base[!s->dir] + (uint32_t)((s->t_us - START_US - f->rtt_us) / 1000);
    size_t n = 0;
    if (s->flags & TCP_SYN) {
        p[n++] = 2; /* MSS */
        p[n++] = 4;
        put16(p + n, (uint16_t)(f->mss + (f->has_timestamps ? 12 : 0)));
        n += 2;
        if (f->has_timestamps) {
            p[n++] = 4; /* SACK permitted */
            p[n++] = 2;
            p[n++] = 8;
            p[n++] = 10;
            put32(p + n, tsval);
            put32(p + n + 4, (s->flags & TCP_ACK) ? tsecr : 0);
            n += 8;
            p[n++] = 1;
        } else {
            p[n++] = 1;
            p[n++] = 1;
            p[n++] = 4;
            p[n++] = 2;
            p[n++] = 1;
        }
        p[n++] = 3; /* window scale */
        p[n++] = 3;
        p[n++] = 7;
        return n;
    }
    if (!f->has_timestamps || (s->flags & TCP_RST))
        return 0;
    p[n++] = 1;
    p[n++] = 1;
    p[n++] = 8;
    p[n++] = 10;
    put32(p + n, tsval);
    put32(p + n + 4, tsecr);
    return n + 8;
}

/* Builds the frame for s into w->frame; returns its wire length. */
static size_t frame_build(struct writer *w, struct flow *f, const struct seg *s)
{
    uint8_t *p = w->frame;
    int from = s->dir;
    int to = !s->dir;
    memcpy(p, f->mac[to], 6);
    memcpy(p + 6, f->mac[from], 6);
    size_t off = 12;
    if (f->vlan_id != 0) {
        put16(p + off, 0x8100);
        put16(p + off + 2, f->vlan_id);
        off += 4;
    }
    put16(p + off, f->family == 4 ? 0x0800 : 0x86dd);
    off += 2;

    size_t ip_off = off;
    size_t ip_len = f->family == 4 ? 20 : 40;
    size_t tcp_off = ip_off + ip_len;
    uint8_t *tcp = p + tcp_off;
    size_t opt_len = tcp_options(f, s, tcp + 20);
    size_t tcp_len = 20 + opt_len + s->payload_len;

    put16(tcp, f->port[from]);
    put16(tcp + 2, f->port[to]);
    put32(tcp + 4, s->seq);
    put32(tcp + 8, s->ack);
    tcp[12] = (uint8_t)(((20 + opt_len) / 4) << 4);
    tcp[13] = s->flags;
    put16(tcp + 14, (s->flags & TCP_RST) ? 0 : f->window[from]);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (s->payload_len > 0) {
        size_t pool_off = rng_next(&w->rng) % 65536;
        memcpy(tcp + 20 + opt_len, w->payload_pool + pool_off, s->payload_len);
    }

    uint64_t pseudo = csum_add(0, f->addr[from], f->family == 4 ? 4 : 16);
    pseudo = csum_add(pseudo, f->addr[to], f->family == 4 ? 4 : 16);
    pseudo += 6 + tcp_len;
    uint16_t tcp_csum;
    if (f->is_offloaded[from])
        tcp_csum = csum_fold(pseudo); /* left for the NIC to finish */
    else
        tcp_csum = (uint16_t)~csum_fold(csum_add(pseudo, tcp, tcp_len));
    put16(tcp + 16, tcp_csum);

    uint8_t *ip = p + ip_off;
    if (f->family == 4) {
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, (uint16_t)(ip_len + tcp_len));
        put16(ip + 4, f->ip_id[from]++);
        put16(ip + 6, 0x4000); /* don't fragment */
        ip[8] = f->ttl[from];
        ip[9] = 6;
        put16(ip + 10, 0);
        memcpy(ip + 12, f->addr[from], 4);
        memcpy(ip + 16, f->addr[to], 4);
        put16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, 20)));
    } else {
        put32(ip, 0x60000000u | f->flow_label[from]);
        put16(ip + 4, (uint16_t)tcp_len);
        ip[6] = 6;
        ip[7] = f->ttl[from];
        memcpy(ip + 8, f->addr[from], 16);
        memcpy(ip + 24, f->addr[to], 16);
    }

    size_t frame_len = tcp_off + tcp_len;
    if (frame_len < ETH_MIN_FRAME) {
        memset(p + frame_len, 0, ETH_MIN_FRAME - frame_len);
        frame_len = ETH_MIN_FRAME;
    }
    return frame_len;
}

static void writer_put(struct writer *w, const void *data, size_t len)
{
    if (!w->is_failed && fwrite(data, 1, len, w->out) != len)
        w->is_failed = true;
}

static void write_file_header(struct writer *w)
{
    uint8_t h[24] = {0};
    put32le(h, PCAP_MAGIC_US);
    h[4] = 2; /* version 2.4, little-endian fields */
    h[6] = 4;
    put32le(h + 16, w->snaplen);
    put32le(h + 20, LINKTYPE_ETHER);
    writer_put(w, h, sizeof(h));
}

static void write_packet(struct writer *w, struct flow *f, const struct seg *s, int64_t t_us)
{
    size_t wire_len = frame_build(w, f, s);
    size_t cap_len = wire_len < w->snaplen ? wire_len : w->snaplen;
    uint8_t h[16];
    put32le(h, (uint32_t)(t_us / 1000000));
    put32le(h + 4, (uint32_t)(t_us % 1000000));
    put32le(h + 8, (uint32_t)cap_len);
    put32le(h + 12, (uint32_t)wire_len);
    writer_put(w, h, sizeof(h));
    writer_put(w, w->frame, cap_len);
    w->packet_count++;
    w->byte_count += sizeof(h) + cap_len;
}

/* --- normal mode: a fixed number of open flows, in time order -------- */

struct heap {
    struct flow **items; /* owned array of borrowed flows */
    size_t count;
};

static bool flow_before(const struct flow *a, const struct flow *b)
{
    int64_t ta = a->segs[a->next].t_us;
    int64_t tb = b->segs[b->next].t_us;
    return ta < tb || (ta == tb && a->number < b->number);
}

static void heap_down(struct heap *h, size_t i)
{
    for (;;) {
        size_t least = i;
        size_t l = 2 * i + 1;
        size_t r = l + 1;
        if (l < h->count && flow_before(h->items[l], h->items[least]))
            least = l;
        if (r < h->count && flow_before(h->items[r], h->items[least]))
            least = r;
        if (least == i)
            return;
        struct flow *tmp = h->items[i];
        h->items[i] = h->items[least];
        h->items[least] = tmp;
        i = least;
    }
}

static bool start_flow(struct writer *w, struct flow *f, uint64_t seed, uint64_t number,
                       bool is_initial, int64_t start_us)
{
    struct rng pick = {seed ^ (number * 0x9e3779b97f4a7c15u) ^ 0x5eed};
    enum flow_kind kind = pick_kind(&pick, is_initial);
    flow_init(f, seed, number, kind, start_us);
    if (!flow_script(f))
        return false;
    w->flow_count[kind]++;
    return true;
}

static int run_normal(struct writer *w, uint64_t seed, uint64_t packet_cap, uint32_t open_count)
{
    struct flow *flows = calloc(open_count, sizeof(*flows));
    struct heap h = {calloc(open_count, sizeof(*h.items)), open_count};
    int status = 1;
    if (flows == NULL || h.items == NULL)
        goto out;

    uint64_t number = 0;
    struct rng clock = {seed ^ 0xc10c};
    for (uint32_t i = 0; i < open_count; i++, number++) {
        int64_t start = START_US + (int64_t)rng_range(&clock, 0, 200000);
        if (!start_flow(w, &flows[i], seed, number, true, start))
            goto out;
        h.items[i] = &flows[i];
    }
    for (size_t i = open_count / 2 + 1; i-- > 0;)
        heap_down(&h, i);

    while (w->packet_count < packet_cap && !w->is_failed) {
        struct flow *f = h.items[0];
        const struct seg *s = &f->segs[f->next++];
        write_packet(w, f, s, s->t_us);
        if (f->next == f->seg_count) {
            int64_t start = s->t_us + (int64_t)rng_range(&clock, 1000, 500000);
            if (!start_flow(w, f, seed, number++, false, start))
                goto out;
        }
        heap_down(&h, 0);
    }
    status = w->is_failed ? 1 : 0;
out:
    if (status != 0 && !w->is_failed)
        fprintf(stderr, "gen: %s\n", strerror(ENOMEM));
    for (uint32_t i = 0; flows != NULL && i < open_count; i++)
        free(flows[i].segs);
    free(flows);
    free(h.items);
    return status;
}

/* --- concurrent mode: open all, exchange, close all ------------------ */

/* Handshake, one exchange and a FIN close, three segments each: phase p
 * is segs[3p..3p+2]. */
static bool concurrent_script(struct flow *f)
{
    uint32_t request = (uint32_t)rng_range(&f->rng, 40, 400);
    uint32_t response = (uint32_t)rng_range(&f->rng, 100, f->mss);
    return flow_handshake(f) && flow_push(f, 0, CLIENT, TCP_ACK | TCP_PSH, request) &&
           flow_push(f, 0, SERVER, TCP_ACK | TCP_PSH, response) &&
           flow_push(f, 0, CLIENT, TCP_ACK, 0) && flow_push(f, 0, CLIENT, TCP_FIN | TCP_ACK, 0) &&
           flow_push(f, 0, SERVER, TCP_FIN | TCP_ACK, 0) && flow_push(f, 0, CLIENT, TCP_ACK, 0);
}

/* Batches of flow_count flows, 9 packets each, until packet_cap: a larger
 * -n keeps the packet mix and only adds batches. */
static int run_concurrent(struct writer *w, uint64_t seed, uint64_t packet_cap, uint32_t flow_count)
{
    uint64_t batch_count = packet_cap / (9 * (uint64_t)flow_count);
    if (batch_count == 0)
        batch_count = 1;
    struct flow f = {0};
    struct rng clock = {seed ^ 0xc10c};
    int64_t now = START_US;
    for (uint64_t b = 0; b < batch_count; b++) {
        for (uint32_t phase = 0; phase < 3 && !w->is_failed; phase++) {
            for (uint32_t i = 0; i < flow_count; i++) {
                flow_init(&f, seed, b * flow_count + i, KIND_NORMAL, now);
                f.kind = KIND_CONCURRENT;
                if (!concurrent_script(&f)) {
                    fprintf(stderr, "gen: %s\n", strerror(ENOMEM));
                    free(f.segs);
                    return 1;
                }
                for (uint32_t k = 3 * phase; k < 3 * phase + 3; k++) {
                    now += (int64_t)rng_range(&clock, 1, 9);
                    write_packet(w, &f, &f.segs[k], now);
                }
            }
        }
    }
    w->flow_count[KIND_CONCURRENT] = batch_count * flow_count;
    free(f.segs);
    return w->is_failed ? 1 : 0;
}

/* --- command line --------------------------------------------------- */

static int usage(FILE *out, int status)
{
    fputs("usage: gen [-n PACKETS] [-s SEED] [--flows N | --concurrent N] [--snaplen N] -w FILE\n"
          "  -n PACKETS        packets to write (default 1000000); with --concurrent,\n"
          "                    9 per flow, in as many batches of N flows as fit\n"
          "  -s SEED           PRNG seed (default 1): same seed, same bytes\n"
          "  -w FILE           pcap file to write ('-' is standard output)\n"
          "  --flows N         flows open at any time (default 2000)\n"
          "  --concurrent N    open N flows, exchange data on each, close them all\n"
          "  --snaplen N       capture at most N bytes of each packet (default 262144)\n",
          out);
    return status;
}

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    enum { OPT_FLOWS = 256, OPT_CONCURRENT, OPT_SNAPLEN };
    static const struct option long_options[] = {
        {"flows", required_argument, NULL, OPT_FLOWS},
        {"concurrent", required_argument, NULL, OPT_CONCURRENT},
        {"snaplen", required_argument, NULL, OPT_SNAPLEN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t packet_cap = 1000000;
    uint64_t seed = 1;
    uint64_t open_count = 2000;
    uint64_t concurrent = 0;
    uint64_t snaplen = SNAPLEN_DEFAULT;
    const char *path = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "n:s:w:h", long_options, NULL)) != -1) {
        bool is_ok = true;
        switch (opt) {
        case 'n':
            is_ok = parse_u64(optarg, 1, UINT64_MAX, &packet_cap);
            break;
        case 's':
            is_ok = parse_u64(optarg, 0, UINT64_MAX, &seed);
            break;
        case 'w':
            path = optarg;
            break;
        case OPT_FLOWS:
            is_ok = parse_u64(optarg, 1, 10000000, &open_count);
            break;
        case OPT_CONCURRENT:
            is_ok = parse_u64(optarg, 1, 100000000, &concurrent);
            break;
        case OPT_SNAPLEN:
            is_ok = parse_u64(optarg, 60, SNAPLEN_DEFAULT, &snaplen);
            break;
        case 'h':
            return usage(stdout, 0);
        default:
            return usage(stderr, 2);
        }
        if (!is_ok) {
            fprintf(stderr, "gen: bad value for -%c: %s\n", opt < 256 ? opt : '-', optarg);
            return 2;
        }
    }
    if (path == NULL || optind != argc)
        return usage(stderr, 2);

    struct writer *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        fprintf(stderr, "gen: %s\n", strerror(ENOMEM));
        return 1;
    }
    w->out = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (w->out == NULL) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        free(w);
        return 1;
    }
    setvbuf(w->out, NULL, _IOFBF, 1 << 20);
    w->snaplen = (uint32_t)snaplen;
    w->rng.state = seed ^ 0xfeed;
    for (size_t i = 0; i < sizeof(w->payload_pool); i++)
        w->payload_pool[i] = (uint8_t)(rng_next(&w->rng) >> 56);

    write_file_header(w);
    int status = concurrent > 0 ? run_concurrent(w, seed, packet_cap, (uint32_t)concurrent)
                                : run_normal(w, seed, packet_cap, (uint32_t)open_count);
    if (w->out != stdout && fclose(w->out) != 0)
        w->is_failed = true;
    else if (w->out == stdout && fflush(stdout) != 0)
        w->is_failed = true;
    if (w->is_failed) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        status = 1;
    }
    fprintf(stderr, "gen: %" PRIu64 " packets, %" PRIu64 " bytes; flows started:", w->packet_count,
            w->byte_count + 24);
    for (int k = 0; k < KIND_COUNT; k++)
        if (w->flow_count[k] != 0)
            fprintf(stderr, " %s %" PRIu64, kind_name[k], w->flow_count[k]);
    fputc('\n', stderr);
    free(w);
    return status;
}
