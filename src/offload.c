/*
 * Offload attribution. See offload.h.
 *
 * Invariant: host_count <= OFFLOAD_HOSTS_CAP; a capture normally has one
 * capture host, so a handful of entries is plenty, and hosts beyond the
 * table are only counted.
 */
#include "offload.h"

#include <string.h>

#include "banned.h"

void offload_init(struct offload *o, const struct tv_config *cfg)
{
    memset(o, 0, sizeof(*o));
    if (cfg->have_capture_host) {
        o->stated = true;
        o->stated_family = cfg->capture_host.family;
        memcpy(o->stated_addr, cfg->capture_host.addr, sizeof(o->stated_addr));
    }
}

static int find(const struct offload *o, uint8_t family, const uint8_t addr[16])
{
    for (unsigned i = 0; i < o->host_count; i++)
        if (o->hosts[i].family == family && memcmp(o->hosts[i].addr, addr, 16) == 0)
            return (int)i;
    return -1;
}

void offload_note_partial(struct offload *o, uint8_t family, const uint8_t src[16])
{
    int i = find(o, family, src);
    if (i < 0) {
        if (o->host_count == OFFLOAD_HOSTS_CAP) {
            o->untracked_pkts++;
            return;
        }
        i = (int)o->host_count++;
        o->hosts[i].family = family;
        memcpy(o->hosts[i].addr, src, sizeof(o->hosts[i].addr));
    }
    o->hosts[i].partial_pkts++;
}

/* The inferred capture host: the one that sent the most partial sums. */
static const struct offload_host *inferred(const struct offload *o)
{
    const struct offload_host *best = NULL;
    for (unsigned i = 0; i < o->host_count; i++)
        if (best == NULL || o->hosts[i].partial_pkts > best->partial_pkts)
            best = &o->hosts[i];
    return best;
}

bool offload_is_capture_host(const struct offload *o, uint8_t family, const uint8_t addr[16])
{
    if (o->stated)
        return o->stated_family == family && memcmp(o->stated_addr, addr, 16) == 0;
    return find(o, family, addr) >= 0;
}

/* A packet captured on its sender still has the TTL (hop limit) the sender
 * set; common initial values are 64 (Linux, macOS), 128 (Windows) and 255
 * (routers), 32 on old stacks. Any other value means the packet crossed a
 * router before the capture saw it. */
bool offload_ttl_is_initial(uint8_t ttl)
{
    return ttl == 64 || ttl == 128 || ttl == 255 || ttl == 32;
}

enum segment_offload offload_classify(const struct offload *o, const struct packet *p)
{
    if (o->stated) {
        if (offload_is_capture_host(o, p->family, p->dst_addr))
            return SEGMENT_GRO;
        return SEGMENT_TSO;
    }
    /* Forwarded on its way here: not the sender's capture, whatever its
     * checksum says (a virtual path can carry a partial sum through). */
    if (!offload_ttl_is_initial(p->ttl))
        return SEGMENT_GRO;
    /* A partial sum is the sender's own transmit path: TSO, captured there. */
    if (p->tcp_csum == CSUM_PARTIAL || offload_is_capture_host(o, p->family, p->src_addr))
        return SEGMENT_TSO;
    if (offload_is_capture_host(o, p->family, p->dst_addr))
        return SEGMENT_GRO;
    /* Nothing known about the capture point. A super-segment whose
     * checksum is right or plainly wrong (coalescing keeps the first
     * segment's checksum) was built on receipt: segmentation offload
     * leaves the partial sum instead. */
    return SEGMENT_GRO;
}

bool offload_capture_host(const struct offload *o, struct tv_capture_host *out)
{
    memset(out, 0, sizeof(*out));
    if (o->stated) {
        out->family = o->stated_family;
        memcpy(out->addr, o->stated_addr, sizeof(out->addr));
        out->stated = true;
        int i = find(o, o->stated_family, o->stated_addr);
        out->evidence_pkts = i >= 0 ? o->hosts[i].partial_pkts : 0;
        return true;
    }
    const struct offload_host *h = inferred(o);
    if (h == NULL)
        return false;
    out->family = h->family;
    memcpy(out->addr, h->addr, sizeof(out->addr));
    out->evidence_pkts = h->partial_pkts;
    return true;
}
