/*
 * A flow's time-sequence graph as SVG, as tcptrace and Wireshark's Stevens
 * graph draw one: for each direction a panel of relative sequence number
 * against time since the flow's first packet, with
 *   - one mark per segment the direction sent (class "seg"): a vertical
 *     bar from its first to its last byte, a tick for one without data;
 *     retransmissions (data below the highest already sent) in red;
 *   - the peer's acknowledgments as a step line (class "ack") and its
 *     advertised window's right edge above it (class "win");
 *   - the peer's SACK blocks as short bars beside the segments (class
 *     "sack");
 *   - RST segments marked R (class "rst") and segments after a RST
 *     ("orphan"), the anomalies' first packets named (class "anomaly").
 * Each mark carries data-pkt, the packet's number in the input. Written as
 * SVG text, with no script and nothing outside the document.
 */
#ifndef TV_OUTPUT_SVG_H
#define TV_OUTPUT_SVG_H

#include <stdbool.h>

#include "flow_packets.h"
#include "strbuf.h"

/* Appends f's graph (its packets read). standalone: a whole file, with
 * the XML declaration; else an <svg> element to put inside HTML. */
void output_svg_flow(struct strbuf *out, const struct flow_pics *f, bool standalone);

#endif
