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

/* The host's entry, taken if need be; NULL beyond the table. */
static struct offload_host *host_of(struct offload *o, uint8_t family, const uint8_t addr[16])
{
    int i = find(o, family, addr);
    if (i < 0) {
        if (o->host_count == OFFLOAD_HOSTS_CAP) {
            o->untracked_pkts++;
            return NULL;
        }
        i = (int)o->host_count++;
        o->hosts[i].family = family;
        memcpy(o->hosts[i].addr, addr, sizeof(o->hosts[i].addr));
    }
    return &o->hosts[i];
}

void offload_note_partial(struct offload *o, uint8_t family, const uint8_t src[16])
{
    struct offload_host *h = host_of(o, family, src);
    if (h != NULL)
        h->partial_pkts++;
}

void offload_note_flags(struct offload *o, struct packet *p, uint32_t epb_flags)
{
    if (epb_flags == 0)
        return;
    /* Left to the NIC: the field holds whatever the stack put there (the
     * partial sum, or nothing), so a wrong value is the offload's. */
    if (epb_flags & TV_EPB_CSUM_NOT_READY) {
        if (p->tcp_csum == CSUM_BAD)
            p->tcp_csum = CSUM_PARTIAL;
        if (p->ip_csum == CSUM_BAD)
            p->ip_csum = CSUM_PARTIAL;
    } else if (epb_flags & TV_EPB_CSUM_VALID) {
        /* Verified on the wire, before coalescing or a capture cut it. */
        p->tcp_csum = CSUM_OK;
        if (p->ip_csum != CSUM_OK && p->family == 4)
            p->ip_csum = CSUM_OK;
    }
    /* Sent on the capture's interface by its own stack, not forwarded. */
    if ((epb_flags & TV_EPB_DIRECTION_MASK) == TV_EPB_OUTBOUND && offload_ttl_is_initial(p->ttl)) {
        struct offload_host *h = host_of(o, p->family, p->src_addr);
        if (h != NULL)
            h->direction_pkts++;
    }
}

/* The inferred capture host: the one the capture file marks as the sender
 * of the most packets, else the one that sent the most partial sums. */
static const struct offload_host *inferred(const struct offload *o)
{
    const struct offload_host *best = NULL;
    for (unsigned i = 0; i < o->host_count; i++) {
        const struct offload_host *h = &o->hosts[i];
        if (best == NULL || h->direction_pkts > best->direction_pkts ||
            (h->direction_pkts == best->direction_pkts && h->partial_pkts > best->partial_pkts))
            best = h;
    }
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

enum segment_offload offload_classify(const struct offload *o, const struct packet *p,
                                      uint32_t epb_flags)
{
    /* The capture file knows which way the packet went. */
    if (epb_flags & TV_EPB_TSO)
        return SEGMENT_TSO;
    if ((epb_flags & TV_EPB_DIRECTION_MASK) == TV_EPB_OUTBOUND)
        return SEGMENT_TSO;
    if ((epb_flags & TV_EPB_DIRECTION_MASK) == TV_EPB_INBOUND)
        return SEGMENT_GRO;
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
        out->direction_pkts = i >= 0 ? o->hosts[i].direction_pkts : 0;
        return true;
    }
    const struct offload_host *h = inferred(o);
    if (h == NULL)
        return false;
    out->family = h->family;
    memcpy(out->addr, h->addr, sizeof(out->addr));
    out->evidence_pkts = h->partial_pkts;
    out->direction_pkts = h->direction_pkts;
    return true;
}
