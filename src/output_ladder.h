/*
 * A flow as a text sequence diagram, as Wireshark's flow graph draws one:
 * the originator's column on the left, the responder's on the right, one
 * arrow per packet that matters with its time since the flow's first
 * packet, flags (tcpdump's letters: S F P R U E W, "." for ACK), relative
 * sequence and acknowledgment numbers (Wireshark's: from each side's SYN,
 * else from one before its first segment), payload length and, on the right, the packet's
 * number in the input and what it was: the anomaly it started, first or
 * last data, a SYN retry, a segment after a RST.
 *
 * Packets that matter: every SYN, FIN and RST, the ACK that completes the
 * handshake, the first and last data each way, each anomaly's first
 * packet, and up to LADDER_AFTER_RST_CAP packets after the first RST.
 * Runs of other packets are folded into one line with their counts.
 * Every line fits LADDER_WIDTH columns.
 */
#ifndef TV_OUTPUT_LADDER_H
#define TV_OUTPUT_LADDER_H

#include "flow_packets.h"
#include "strbuf.h"

#define LADDER_WIDTH         100
#define LADDER_AFTER_RST_CAP 10

/* Appends the diagram of f (its packets read) to out. */
void output_ladder_flow(struct strbuf *out, const struct flow_pics *f);

/* The one-line title of a flow, shared by the pictures: "flow 3: A -> B
 * service state history end verdict". */
void output_ladder_title(struct strbuf *out, const struct tv_verdict *v);

/* "10.0.0.1:80" or "[2001:db8::1]:80". */
void output_ladder_endpoint(const struct tv_endpoint_report *ep, char *buf, size_t buf_len);

/* Which of f's packets the diagram draws (the rest it folds): marks[i] for
 * f->pkts[i], with the note for the right-hand column in notes[i] (empty
 * when there is none). notes must hold f->pkt_count strings of
 * LADDER_NOTE_LEN bytes. */
#define LADDER_NOTE_LEN 64
void output_ladder_marks(const struct flow_pics *f, bool *marks, char (*notes)[LADDER_NOTE_LEN]);

#endif
