/*
 * Two capture points on one path (--compare): each flow of one point is
 * paired with the same flow at the other, and each direction's segments
 * as the point nearer their sender saw them are matched with what reached
 * the farther point. What never arrived was dropped between the points;
 * what arrived without being sent past the nearer point was injected; and
 * what arrived changed (TTL, MSS, options, sequence numbers, addresses,
 * DSCP) was rewritten.
 *
 * Pairing: the same addresses and ports (either way round) and the time;
 * else, for address translation, the same responder and the same SYN
 * sequence number, or the same responder and SYN time.
 *
 * The two clocks are never assumed in step: a segment's time difference
 * between the points is the clock offset plus the one-way delay, and the
 * offset is where the two directions' differences meet (as NTP estimates
 * it, assuming the minimum delay is alike both ways), per flow; a flow with
 * one direction only takes the offset of the others, fitted as a line
 * through time so that a drifting clock is followed.
 *
 * Which point is nearer which endpoint is decided per flow: the TTL the
 * path took off, then timing (the nearer point sees a sender's segments
 * before the farther one), then TSO super-segments (seen only on the
 * sender's own host), then a direction seen at one point only.
 *
 * Matching a direction: every transmission the nearer point saw owns its
 * bytes until the sender sends them again; a segment at the farther point
 * covers the bytes of their owner when it arrived. A transmission whose
 * bytes were not all covered was dropped (a loss the sender repaired is
 * one drop; the repair is not). So one TSO super-segment and the segments
 * it became, one GRO-merged segment and the segments it was made of, and
 * reordered segments are no drops. Segments without sequence space (bare
 * ACKs, RSTs) are matched one to one by their numbers, flags and (IPv4,
 * where the path keeps it) IP ID. Transmissions while the other point was
 * not capturing are counted as unverified, neither dropped nor injected.
 */
#ifndef TV_PATH_COMPARE_H
#define TV_PATH_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow_packets.h"
#include "tcpverdict.h"

struct path_compare {
    struct tv_path *first;  /* owned: one per flow of the first point, in its order */
    struct tv_path *second; /* owned: one per flow of the second point */
    size_t *peer_of_first;  /* owned: the paired flow's index at the second point + 1, or 0 */
    uint64_t flows_both;
    uint64_t flows_first_only;
    uint64_t flows_second_only;
    bool has_clock_offset;
    double clock_offset_ms; /* second point's clock minus the first's, at its start */
    double clock_drift_ppm; /* how fast that offset grows */
};

/* Pairs and matches the flows of a and b (each sorted by flow id, with
 * their packets read). False if memory is short. */
bool path_compare_run(const struct flow_packets *a, const struct flow_packets *b,
                      struct path_compare *out);
void path_compare_free(struct path_compare *pc);

#endif
