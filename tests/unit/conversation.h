/*
 * Test helper: a TCP conversation between a client and a server, built as
 * real frames and decoded by the real decoder. Keeps each side's next
 * sequence number, so tests read as "client sends 100 bytes", "server
 * resets". Header-only; each test file includes it once.
 */
#ifndef TV_CONVERSATION_H
#define TV_CONVERSATION_H

#include <check.h>
#include <string.h>

#include "decode.h"
#include "packet_builder.h"

struct conversation {
    const char *client;
    const char *server;
    uint16_t client_port;
    uint16_t server_port;
    uint32_t next_seq[2]; /* [0] client, [1] server */
    struct pb_tcp extra;  /* options, window and checksum tweaks for the next
                             segment only; cleared after use */
    uint8_t frame[70000];
    size_t frame_len;
    struct packet pkt;
};

enum { CLIENT = 0, SERVER = 1 };

static inline void conversation_init(struct conversation *c, const char *client, uint16_t cport,
                                     const char *server, uint16_t sport)
{
    memset(c, 0, sizeof(*c));
    c->client = client;
    c->server = server;
    c->client_port = cport;
    c->server_port = sport;
    c->next_seq[CLIENT] = 1000;
    c->next_seq[SERVER] = 5000;
}

/* Builds and decodes one segment from `from`; advances its sequence by
 * the sequence space the segment uses. Returns the decoded packet. */
static inline const struct packet *conversation_send_at(struct conversation *c, int from,
                                                        uint8_t flags, uint32_t len, uint32_t seq)
{
    struct pb_tcp t = {0};
    t.src = from == CLIENT ? c->client : c->server;
    t.dst = from == CLIENT ? c->server : c->client;
    t.sport = from == CLIENT ? c->client_port : c->server_port;
    t.dport = from == CLIENT ? c->server_port : c->client_port;
    t.seq = seq;
    t.ack = (flags & TCP_FLAG_ACK) ? c->next_seq[!from] : 0;
    t.flags = flags;
    t.payload_len = len;
    t.wscale = -1;
    t.mss = c->extra.mss;
    t.has_wscale = c->extra.has_wscale;
    if (t.has_wscale)
        t.wscale = c->extra.wscale;
    t.window = c->extra.window;
    t.zero_window = c->extra.zero_window;
    t.bad_checksum = c->extra.bad_checksum;
    t.partial_checksum = c->extra.partial_checksum;
    t.ip_len_zero = c->extra.ip_len_zero;
    memset(&c->extra, 0, sizeof(c->extra));
    c->frame_len = pb_build(&t, c->frame, sizeof(c->frame));
    ck_assert_uint_gt(c->frame_len, 0);
    ck_assert_int_eq(decode_packet(LINK_ETHERNET, c->frame, (uint32_t)c->frame_len,
                                   (uint32_t)c->frame_len, true, &c->pkt),
                     TV_DECODE_OK);
    uint32_t used = len + !!(flags & TCP_FLAG_SYN) + !!(flags & TCP_FLAG_FIN);
    if (flags & TCP_FLAG_RST)
        used = 0;
    if (used > 0 && seq + used - c->next_seq[from] < 0x80000000u)
        c->next_seq[from] = seq + used;
    return &c->pkt;
}

static inline const struct packet *conversation_send(struct conversation *c, int from,
                                                     uint8_t flags, uint32_t len)
{
    return conversation_send_at(c, from, flags, len, c->next_seq[from]);
}

#endif
