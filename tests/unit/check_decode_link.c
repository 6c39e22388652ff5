/*
 * Unit tests for the link types of decode_link.c, decode_link_80211.c,
 * decode_link_serial.c and decode_link_nflog.c. Each frame is a link
 * header written out here byte by byte, as the format's specification
 * lays it out, in front of an IP packet from the packet builder; the
 * decoder must find that packet behind it, or say why not.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "packet_builder.h"

enum { FRAME_CAP = 2048, HEADER_CAP = 256 };

struct frame {
    uint8_t bytes[FRAME_CAP];
    size_t len;
    size_t link_len; /* bytes before the IP header */
};

static struct pb_tcp syn4(void)
{
    struct pb_tcp t = {.src = "192.0.2.1",
                       .dst = "192.0.2.2",
                       .sport = 40000,
                       .dport = 8530,
                       .seq = 1000,
                       .flags = TCP_FLAG_SYN,
                       .mss = 1460};
    return t;
}

static struct pb_tcp data6(void)
{
    struct pb_tcp t = {.src = "2001:db8::1",
                       .dst = "2001:db8::2",
                       .sport = 40000,
                       .dport = 443,
                       .seq = 5,
                       .ack = 9,
                       .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
                       .payload_len = 100};
    return t;
}

/* A link header under construction. */
struct header {
    uint8_t bytes[HEADER_CAP];
    size_t len;
};

static void put(struct header *h, const uint8_t *bytes, size_t n)
{
    ck_assert_uint_le(h->len + n, sizeof(h->bytes));
    memcpy(h->bytes + h->len, bytes, n);
    h->len += n;
}

static void put8(struct header *h, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(h, &b, 1);
}

static void put16be(struct header *h, unsigned v)
{
    put8(h, v >> 8);
    put8(h, v);
}

static void put16le(struct header *h, unsigned v)
{
    put8(h, v);
    put8(h, v >> 8);
}

static void put32le(struct header *h, uint32_t v)
{
    put16le(h, v & 0xffff);
    put16le(h, v >> 16);
}

static void put_zeros(struct header *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(h, 0);
}

/* RFC 1042 LLC/SNAP for an EtherType. */
static void put_snap(struct header *h, unsigned ethertype)
{
    static const uint8_t llc[] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00};
    put(h, llc, sizeof(llc));
    put16be(h, ethertype);
}

static unsigned ethertype_of(const struct pb_tcp *t)
{
    return strchr(t->src, ':') != NULL ? 0x86dd : 0x0800;
}

/* h in front of t's IP packet. */
static struct frame frame_of(const struct header *h, const struct pb_tcp *t)
{
    struct frame f;
    size_t ip_len = pb_build_link(LINK_RAW, t, f.bytes + h->len, sizeof(f.bytes) - h->len);
    ck_assert_uint_gt(ip_len, 0);
    memcpy(f.bytes, h->bytes, h->len);
    f.len = h->len + ip_len;
    f.link_len = h->len;
    return f;
}

static void append(struct frame *f, const uint8_t *bytes, size_t n)
{
    ck_assert_uint_le(f->len + n, sizeof(f->bytes));
    memcpy(f->bytes + f->len, bytes, n);
    f->len += n;
}

static enum tv_decode_status decode(int linktype, const struct frame *f, struct packet *p)
{
    uint32_t len = (uint32_t)f->len;
    return decode_packet(linktype, f->bytes, len, len, true, p);
}

/* Decodes as TCP with the builder's segment intact behind the link. */
static void assert_segment(int linktype, const struct frame *f, const struct pb_tcp *t)
{
    struct packet p;
    ck_assert_int_eq(decode(linktype, f, &p), TV_DECODE_OK);
    ck_assert_uint_eq(p.l2_len, f->link_len);
    ck_assert_uint_eq(p.family, strchr(t->src, ':') != NULL ? 6 : 4);
    ck_assert_uint_eq(p.tcp.src_port, t->sport);
    ck_assert_uint_eq(p.tcp.dst_port, t->dport);
    ck_assert_uint_eq(p.tcp.seq, t->seq);
    ck_assert_uint_eq(p.payload_len, t->payload_len);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    ck_assert(!p.truncated);
}

/*
 * A frame cut anywhere in its link header, or before the end of its TCP
 * header, is truncated; cut in the payload it still decodes, marked cut.
 * The wire length stays the frame's, as a snap length leaves it.
 */
static void assert_every_cut_is_handled(int linktype, const struct frame *f, size_t headers_len)
{
    for (size_t cut = 0; cut < f->len; cut++) {
        struct packet p;
        enum tv_decode_status status =
            decode_packet(linktype, f->bytes, (uint32_t)cut, (uint32_t)f->len, true, &p);
        if (cut < f->link_len + headers_len) {
            ck_assert_msg(status == TV_DECODE_TRUNCATED, "link %d cut at %zu: %s", linktype, cut,
                          tv_decode_status_name(status));
        } else {
            ck_assert_msg(status == TV_DECODE_OK, "link %d cut at %zu: %s", linktype, cut,
                          tv_decode_status_name(status));
            ck_assert(p.truncated);
        }
    }
}

enum {
    IPV4_TCP_HEADERS_LEN = 20 + 24, /* the SYN carries an MSS option */
    IPV6_TCP_HEADERS_LEN = 40 + 20,
};

/* ---- LLC/SNAP and FDDI ---- */

static struct header fddi_header(unsigned frame_control, unsigned ethertype)
{
    struct header h = {{0}, 0};
    static const uint8_t addrs[12] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
                                      0x00, 0x00, 0x5e, 0x00, 0x53, 0x02};
    put8(&h, frame_control);
    put(&h, addrs, sizeof(addrs));
    put_snap(&h, ethertype);
    return h;
}

START_TEST(test_fddi_llc_frames_of_both_classes_carry_ip)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    /* Asynchronous and synchronous LLC frames, priorities 0 and 7. */
    static const unsigned llc_frame_controls[] = {0x50, 0x57, 0xd0, 0xd4};
    for (size_t i = 0; i < sizeof(llc_frame_controls) / sizeof(llc_frame_controls[0]); i++) {
        struct header h = fddi_header(llc_frame_controls[i], 0x0800);
        struct frame f = frame_of(&h, &v4);
        assert_segment(LINK_FDDI, &f, &v4);
    }
    struct header h6 = fddi_header(0x51, 0x86dd);
    struct frame f6 = frame_of(&h6, &v6);
    ck_assert_uint_eq(f6.link_len, 21);
    assert_segment(LINK_FDDI, &f6, &v6);
}
END_TEST

START_TEST(test_fddi_ring_frames_are_not_ip)
{
    struct pb_tcp t = syn4();
    /* A token, SMT frames, a MAC frame, implementer and reserved formats. */
    static const unsigned frame_controls[] = {0x80, 0xc0, 0x41, 0x4f, 0xc1, 0x60, 0x70, 0x58};
    struct packet p;
    for (size_t i = 0; i < sizeof(frame_controls) / sizeof(frame_controls[0]); i++) {
        struct header h = fddi_header(frame_controls[i], 0x0800);
        struct frame f = frame_of(&h, &t);
        ck_assert_int_eq(decode(LINK_FDDI, &f, &p), TV_DECODE_NOT_IP);
    }
}
END_TEST

START_TEST(test_llc_without_snap_or_another_oui_is_not_ip)
{
    struct pb_tcp t = syn4();
    struct packet p;
    struct header h = fddi_header(0x50, 0x0800);
    struct frame f = frame_of(&h, &t);
    f.bytes[13] = 0x42; /* spanning tree's SAPs */
    f.bytes[14] = 0x42;
    ck_assert_int_eq(decode(LINK_FDDI, &f, &p), TV_DECODE_NOT_IP);
    f = frame_of(&h, &t);
    f.bytes[15] = 0x13; /* not unnumbered information */
    ck_assert_int_eq(decode(LINK_FDDI, &f, &p), TV_DECODE_NOT_IP);
    f = frame_of(&h, &t);
    f.bytes[18] = 0x0c; /* OUI 00-00-0c: Cisco's own protocol numbers */
    ck_assert_int_eq(decode(LINK_FDDI, &f, &p), TV_DECODE_NOT_IP);
    f = frame_of(&h, &t);
    f.bytes[18] = 0xf8; /* OUI 00-00-f8: IEEE 802.1H bridge tunnel, an EtherType */
    assert_segment(LINK_FDDI, &f, &t);
    f = frame_of(&h, &t);
    f.bytes[19] = 0x08; /* EtherType 0x0806: ARP */
    f.bytes[20] = 0x06;
    ck_assert_int_eq(decode(LINK_FDDI, &f, &p), TV_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_fddi_cut_anywhere_is_handled)
{
    struct pb_tcp t = syn4();
    struct header h = fddi_header(0x50, 0x0800);
    struct frame f = frame_of(&h, &t);
    assert_every_cut_is_handled(LINK_FDDI, &f, IPV4_TCP_HEADERS_LEN);
}
END_TEST

/* ---- IEEE 802.11 ---- */

enum {
    FC_DATA = 0x08,
    FC_QOS_DATA = 0x88,
    FC_NULL = 0x48,
    FC_QOS_NULL = 0xc8,
    FC_BEACON = 0x80,
    FC_ACK = 0xd4,
    DS_TO = 0x01,
    DS_FROM = 0x02,
    FLAG_MORE_FRAGMENTS = 0x04,
    FLAG_PROTECTED = 0x40,
    FLAG_ORDER = 0x80,
};

struct wlan {
    unsigned fc;    /* first frame control byte: subtype, type, version */
    unsigned flags; /* second byte */
    unsigned seq;   /* sequence control: fragment number in the low 4 bits */
    unsigned qos;   /* QoS control, for QoS subtypes */
    bool pad_to_32; /* radiotap's data pad */
};

/* The MAC header (IEEE 802.11-2020 9.3.2.1) and LLC/SNAP. */
static void put_wlan(struct header *h, const struct wlan *w, unsigned ethertype)
{
    size_t start = h->len;
    put8(h, w->fc);
    put8(h, w->flags);
    put16le(h, 0x002c); /* duration */
    for (unsigned a = 1; a <= 3; a++) {
        static const uint8_t oui[3] = {0x00, 0x00, 0x5e};
        put(h, oui, 3);
        put8(h, 0x00);
        put8(h, 0x53);
        put8(h, a);
    }
    put16le(h, w->seq);
    if ((w->flags & DS_TO) && (w->flags & DS_FROM)) {
        static const uint8_t addr4[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x04};
        put(h, addr4, sizeof(addr4));
    }
    if (w->fc & 0x80) {
        put16le(h, w->qos);
        if (w->flags & FLAG_ORDER)
            put32le(h, 0); /* HT Control */
    }
    if (w->pad_to_32)
        put_zeros(h, (4 - (h->len - start) % 4) % 4);
    put_snap(h, ethertype);
}

static struct frame wlan_frame(const struct wlan *w, const struct pb_tcp *t)
{
    struct header h = {{0}, 0};
    put_wlan(&h, w, ethertype_of(t));
    return frame_of(&h, t);
}

START_TEST(test_80211_data_frames_of_every_address_form_carry_ip)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    /* To the AP, from the AP, ad hoc, and between two distribution systems. */
    static const unsigned ds_forms[] = {DS_TO, DS_FROM, 0, DS_TO | DS_FROM};
    static const size_t mac_header_len[] = {24, 24, 24, 30};
    for (size_t i = 0; i < 4; i++) {
        struct wlan w = {.fc = FC_DATA, .flags = ds_forms[i]};
        struct frame f = wlan_frame(&w, &v4);
        ck_assert_uint_eq(f.link_len, mac_header_len[i] + 8);
        assert_segment(LINK_IEEE802_11, &f, &v4);
        f = wlan_frame(&w, &v6);
        assert_segment(LINK_IEEE802_11, &f, &v6);
    }
}
END_TEST

START_TEST(test_80211_qos_data_with_and_without_ht_control)
{
    struct pb_tcp t = data6();
    static const unsigned ds_forms[] = {DS_TO, DS_FROM, DS_TO | DS_FROM};
    for (size_t i = 0; i < 3; i++) {
        struct wlan w = {.fc = FC_QOS_DATA, .flags = ds_forms[i], .qos = 0x0006};
        struct frame f = wlan_frame(&w, &t);
        assert_segment(LINK_IEEE802_11, &f, &t);
        w.flags |= FLAG_ORDER;
        f = wlan_frame(&w, &t);
        ck_assert_uint_eq(f.link_len, (i == 2 ? 32u : 26u) + 4 + 8);
        assert_segment(LINK_IEEE802_11, &f, &t);
    }
    /* Without QoS, the Order bit adds no HT Control field. */
    struct wlan plain = {.fc = FC_DATA, .flags = DS_TO | FLAG_ORDER};
    struct frame f = wlan_frame(&plain, &t);
    ck_assert_uint_eq(f.link_len, 24 + 8);
    assert_segment(LINK_IEEE802_11, &f, &t);
}
END_TEST

START_TEST(test_80211_frame_check_sequence_is_not_payload)
{
    struct pb_tcp t = data6();
    struct wlan w = {.fc = FC_QOS_DATA, .flags = DS_FROM};
    struct frame f = wlan_frame(&w, &t);
    static const uint8_t fcs[4] = {0xde, 0xad, 0xbe, 0xef};
    append(&f, fcs, sizeof(fcs));
    assert_segment(LINK_IEEE802_11, &f, &t);
}
END_TEST

START_TEST(test_80211_protected_frames_are_encrypted_not_tcp)
{
    struct pb_tcp t = syn4();
    struct packet p;
    struct wlan w = {.fc = FC_QOS_DATA, .flags = DS_TO | FLAG_PROTECTED};
    /* What follows the header is ciphertext; the plaintext here would
     * decode, which is exactly what must not happen. */
    struct frame f = wlan_frame(&w, &t);
    ck_assert_int_eq(decode(LINK_IEEE802_11, &f, &p), TV_DECODE_ENCRYPTED);
    w.fc = FC_DATA;
    f = wlan_frame(&w, &t);
    ck_assert_int_eq(decode(LINK_IEEE802_11, &f, &p), TV_DECODE_ENCRYPTED);
    ck_assert(tv_decode_status_is_unreadable(TV_DECODE_ENCRYPTED));
    ck_assert(!tv_decode_status_is_error(TV_DECODE_ENCRYPTED));
}
END_TEST

START_TEST(test_80211_frames_without_a_packet_are_not_ip)
{
    struct pb_tcp t = syn4();
    struct packet p;
    static const unsigned no_body[] = {FC_NULL, FC_QOS_NULL,          FC_BEACON,
                                       FC_ACK,  0x09 /* version 1 */, 0x0c /* extension type */};
    for (size_t i = 0; i < sizeof(no_body) / sizeof(no_body[0]); i++) {
        struct wlan w = {.fc = no_body[i], .flags = DS_TO};
        struct frame f = wlan_frame(&w, &t);
        ck_assert_int_eq(decode(LINK_IEEE802_11, &f, &p), TV_DECODE_NOT_IP);
    }
    /* Control frames are shorter than a data header: an ACK is 10 bytes,
     * an ACK with its FCS 14. */
    static const uint8_t ack[14] = {0xd4, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
                                    0x00, 0x0a, 0x02, 0x11, 0x22, 0x33, 0x44};
    for (uint32_t len = 2; len <= sizeof(ack); len += 4)
        ck_assert_int_eq(decode_packet(LINK_IEEE802_11, ack, len, len, true, &p), TV_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_80211_fragments_and_aggregates_are_not_decoded)
{
    struct pb_tcp t = syn4();
    struct packet p;
    struct wlan first = {.fc = FC_DATA, .flags = DS_TO | FLAG_MORE_FRAGMENTS};
    struct frame f = wlan_frame(&first, &t);
    ck_assert_int_eq(decode(LINK_IEEE802_11, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    struct wlan later = {.fc = FC_DATA, .flags = DS_TO, .seq = 0x0101};
    f = wlan_frame(&later, &t);
    ck_assert_int_eq(decode(LINK_IEEE802_11, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    struct wlan amsdu = {.fc = FC_QOS_DATA, .flags = DS_FROM, .qos = 0x0080};
    f = wlan_frame(&amsdu, &t);
    ck_assert_int_eq(decode(LINK_IEEE802_11, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    ck_assert(tv_decode_status_is_unreadable(TV_DECODE_UNSUPPORTED_FRAME));
    /* A sequence number alone is not a fragment. */
    struct wlan numbered = {.fc = FC_DATA, .flags = DS_TO, .seq = 0xfff0};
    f = wlan_frame(&numbered, &t);
    assert_segment(LINK_IEEE802_11, &f, &t);
}
END_TEST

START_TEST(test_80211_cut_anywhere_is_handled)
{
    struct pb_tcp t = syn4();
    struct wlan w = {.fc = FC_QOS_DATA, .flags = DS_TO | DS_FROM | FLAG_ORDER};
    struct frame f = wlan_frame(&w, &t);
    assert_every_cut_is_handled(LINK_IEEE802_11, &f, IPV4_TCP_HEADERS_LEN);
}
END_TEST

/* ---- radiotap ---- */

enum {
    RT_TSFT = 0x01,
    RT_FLAGS = 0x02,
    RT_RATE = 0x04,
    RT_EXT = 0x80000000u,
    RT_FLAG_FCS = 0x10,
    RT_FLAG_DATA_PAD = 0x20,
    RT_FLAG_BAD_FCS = 0x40,
};

/* A radiotap header (radiotap.org) with TSFT, Flags and Rate as asked,
 * behind `extra` chained present words; each field aligned to its size. */
static void put_radiotap(struct header *h, uint32_t present, unsigned extra_words, unsigned flags)
{
    struct header rt = {{0}, 0};
    put8(&rt, 0);
    put8(&rt, 0);
    put16le(&rt, 0); /* the length, filled in below */
    put32le(&rt, present | (extra_words > 0 ? RT_EXT : 0));
    for (unsigned i = 0; i < extra_words; i++)
        put32le(&rt, i + 1 < extra_words ? RT_EXT : 0);
    if (present & RT_TSFT) {
        put_zeros(&rt, (8 - rt.len % 8) % 8);
        put32le(&rt, 0x01234567);
        put32le(&rt, 0x89abcdef);
    }
    if (present & RT_FLAGS)
        put8(&rt, flags);
    if (present & RT_RATE)
        put8(&rt, 108); /* 54 Mb/s */
    rt.bytes[2] = (uint8_t)rt.len;
    rt.bytes[3] = (uint8_t)(rt.len >> 8);
    put(h, rt.bytes, rt.len);
}

static struct frame radiotap_frame(uint32_t present, unsigned extra, unsigned flags,
                                   const struct wlan *w, const struct pb_tcp *t)
{
    struct header h = {{0}, 0};
    put_radiotap(&h, present, extra, flags);
    put_wlan(&h, w, ethertype_of(t));
    return frame_of(&h, t);
}

START_TEST(test_radiotap_is_skipped_by_its_length)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    struct wlan w = {.fc = FC_QOS_DATA, .flags = DS_FROM};
    struct frame f = radiotap_frame(0, 0, 0, &w, &v4);
    ck_assert_uint_eq(f.link_len, 8 + 26 + 8);
    assert_segment(LINK_IEEE802_11_RADIOTAP, &f, &v4);
    f = radiotap_frame(RT_TSFT | RT_FLAGS | RT_RATE, 0, 0, &w, &v6);
    ck_assert_uint_eq(f.link_len, 8 + 8 + 2 + 26 + 8);
    assert_segment(LINK_IEEE802_11_RADIOTAP, &f, &v6);
    /* Extended present bitmaps move the fields; Flags is still found. */
    f = radiotap_frame(RT_TSFT | RT_FLAGS, 2, RT_FLAG_BAD_FCS, &w, &v4);
    struct packet p;
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_BAD_FCS);
    f = radiotap_frame(RT_FLAGS, 1, RT_FLAG_BAD_FCS, &w, &v4);
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_BAD_FCS);
}
END_TEST

START_TEST(test_radiotap_flags_fcs_and_data_pad)
{
    struct pb_tcp t = data6();
    struct wlan w = {.fc = FC_QOS_DATA, .flags = DS_TO};
    struct frame f = radiotap_frame(RT_FLAGS, 0, RT_FLAG_FCS, &w, &t);
    static const uint8_t fcs[4] = {1, 2, 3, 4};
    append(&f, fcs, sizeof(fcs));
    assert_segment(LINK_IEEE802_11_RADIOTAP, &f, &t);

    /* A QoS header of 26 bytes padded to 28. */
    w.pad_to_32 = true;
    f = radiotap_frame(RT_TSFT | RT_FLAGS, 0, RT_FLAG_DATA_PAD, &w, &t);
    ck_assert_uint_eq(f.link_len, 17 + 28 + 8);
    assert_segment(LINK_IEEE802_11_RADIOTAP, &f, &t);
    /* The same bytes read without the pad flag miss the LLC header. */
    f.bytes[16] = 0;
    struct packet p;
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_radiotap_bad_fcs_is_a_frame_not_delivered)
{
    struct pb_tcp t = syn4();
    struct wlan w = {.fc = FC_DATA, .flags = DS_TO};
    struct frame f = radiotap_frame(RT_FLAGS, 0, RT_FLAG_BAD_FCS | RT_FLAG_FCS, &w, &t);
    struct packet p;
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_BAD_FCS);
    ck_assert(tv_decode_status_is_error(TV_DECODE_BAD_FCS));
    ck_assert(!tv_decode_status_is_unreadable(TV_DECODE_BAD_FCS));
}
END_TEST

START_TEST(test_radiotap_malformed_header_is_not_followed)
{
    struct pb_tcp t = syn4();
    struct wlan w = {.fc = FC_DATA, .flags = DS_TO};
    struct packet p;
    struct frame f = radiotap_frame(RT_FLAGS, 0, 0, &w, &t);
    f.bytes[0] = 1; /* version */
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = radiotap_frame(RT_FLAGS, 0, 0, &w, &t);
    f.bytes[2] = 4; /* shorter than its own fixed part */
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = radiotap_frame(RT_FLAGS, 0, 0, &w, &t);
    f.bytes[2] = 8; /* Flags announced, but past the length */
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = radiotap_frame(0, 3, 0, &w, &t);
    f.bytes[2] = 12; /* a chained bitmap past the length */
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = radiotap_frame(0, 0, 0, &w, &t);
    f.bytes[2] = 0xff; /* longer than the frame */
    f.bytes[3] = 0x7f;
    ck_assert_int_eq(decode(LINK_IEEE802_11_RADIOTAP, &f, &p), TV_DECODE_TRUNCATED);
}
END_TEST

START_TEST(test_radiotap_cut_anywhere_is_handled)
{
    struct pb_tcp t = syn4();
    struct wlan w = {.fc = FC_QOS_DATA, .flags = DS_TO, .pad_to_32 = true};
    struct frame f = radiotap_frame(RT_TSFT | RT_FLAGS | RT_RATE, 1, RT_FLAG_DATA_PAD, &w, &t);
    assert_every_cut_is_handled(LINK_IEEE802_11_RADIOTAP, &f, IPV4_TCP_HEADERS_LEN);
}
END_TEST

/* ---- PPI ---- */

enum { PPI_ALIGNED = 0x01, PPI_80211_COMMON = 2, PPI_FCS_PRESENT = 0x0001 };

struct ppi_field {
    unsigned type;
    unsigned len;
    unsigned wlan_flags; /* for 802.11-Common */
};

/* A PPI header (CACE PPI 1.0.7) with its fields, for a frame of linktype. */
static void put_ppi(struct header *h, unsigned ppi_flags, uint32_t linktype,
                    const struct ppi_field *fields, size_t count)
{
    struct header ppi = {{0}, 0};
    put8(&ppi, 0);
    put8(&ppi, ppi_flags);
    put16le(&ppi, 0); /* the length, filled in below */
    put32le(&ppi, linktype);
    for (size_t i = 0; i < count; i++) {
        put16le(&ppi, fields[i].type);
        put16le(&ppi, fields[i].len);
        size_t start = ppi.len;
        if (fields[i].type == PPI_80211_COMMON && fields[i].len >= 10) {
            put_zeros(&ppi, 8); /* TSF timer */
            put16le(&ppi, fields[i].wlan_flags);
        }
        put_zeros(&ppi, fields[i].len - (ppi.len - start));
        if (ppi_flags & PPI_ALIGNED)
            put_zeros(&ppi, (4 - fields[i].len % 4) % 4);
    }
    ppi.bytes[2] = (uint8_t)ppi.len;
    ppi.bytes[3] = (uint8_t)(ppi.len >> 8);
    put(h, ppi.bytes, ppi.len);
}

static struct frame ppi_frame(unsigned ppi_flags, const struct ppi_field *fields, size_t count,
                              const struct pb_tcp *t)
{
    struct header h = {{0}, 0};
    put_ppi(&h, ppi_flags, LINK_IEEE802_11, fields, count);
    struct wlan w = {.fc = FC_QOS_DATA, .flags = DS_FROM};
    put_wlan(&h, &w, ethertype_of(t));
    return frame_of(&h, t);
}

START_TEST(test_ppi_fields_are_skipped_to_the_80211_frame)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    struct frame f = ppi_frame(0, NULL, 0, &v4);
    ck_assert_uint_eq(f.link_len, 8 + 26 + 8);
    assert_segment(LINK_PPI, &f, &v4);
    const struct ppi_field fields[] = {
        {PPI_80211_COMMON, 20, PPI_FCS_PRESENT},
        {0x0003, 17, 0}, /* 802.11n MAC extensions, of an odd length here */
        {0xfff1, 3, 0},  /* a vendor's field */
    };
    f = ppi_frame(0, fields, 3, &v6);
    static const uint8_t fcs[4] = {9, 9, 9, 9};
    append(&f, fcs, sizeof(fcs));
    assert_segment(LINK_PPI, &f, &v6);
    f = ppi_frame(PPI_ALIGNED, fields, 3, &v6);
    assert_segment(LINK_PPI, &f, &v6);
}
END_TEST

START_TEST(test_ppi_fcs_invalid_or_phy_error_is_a_frame_not_delivered)
{
    struct pb_tcp t = syn4();
    struct packet p;
    static const unsigned bad[] = {0x0004, 0x0008, 0x0005};
    for (size_t i = 0; i < 3; i++) {
        const struct ppi_field field = {PPI_80211_COMMON, 20, bad[i]};
        struct frame f = ppi_frame(0, &field, 1, &t);
        ck_assert_int_eq(decode(LINK_PPI, &f, &p), TV_DECODE_BAD_FCS);
    }
    /* An 802.11-Common field too short to hold its flags says nothing. */
    const struct ppi_field short_field = {PPI_80211_COMMON, 4, 0};
    struct frame f = ppi_frame(0, &short_field, 1, &t);
    assert_segment(LINK_PPI, &f, &t);
}
END_TEST

START_TEST(test_ppi_carries_other_link_types_but_not_itself)
{
    struct pb_tcp t = syn4();
    struct header h = {{0}, 0};
    put_ppi(&h, 0, LINK_ETHERNET, NULL, 0);
    static const uint8_t eth[14] = {0, 0, 0x5e, 0, 0x53, 1, 0, 0, 0x5e, 0, 0x53, 2, 0x08, 0x00};
    put(&h, eth, sizeof(eth));
    struct frame f = frame_of(&h, &t);
    assert_segment(LINK_PPI, &f, &t);

    struct packet p;
    struct header nested = {{0}, 0};
    put_ppi(&nested, 0, LINK_PPI, NULL, 0);
    put_ppi(&nested, 0, LINK_RAW, NULL, 0);
    f = frame_of(&nested, &t);
    ck_assert_int_eq(decode(LINK_PPI, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    /* PPI itself was read: what is not is the frame behind it. */
    static const uint32_t not_decoded[] = {147, 0x7fffffffu, 0xffffffffu};
    for (size_t i = 0; i < 3; i++) {
        struct header unknown = {{0}, 0};
        put_ppi(&unknown, 0, not_decoded[i], NULL, 0);
        f = frame_of(&unknown, &t);
        ck_assert_int_eq(decode(LINK_PPI, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    }
}
END_TEST

START_TEST(test_ppi_malformed_header_is_not_followed)
{
    struct pb_tcp t = syn4();
    struct packet p;
    const struct ppi_field field = {PPI_80211_COMMON, 20, 0};
    struct frame f = ppi_frame(0, &field, 1, &t);
    f.bytes[0] = 2; /* version */
    ck_assert_int_eq(decode(LINK_PPI, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = ppi_frame(0, &field, 1, &t);
    f.bytes[2] = 7; /* shorter than its fixed part */
    ck_assert_int_eq(decode(LINK_PPI, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = ppi_frame(0, &field, 1, &t);
    f.bytes[10] = 21; /* a field running past the header */
    ck_assert_int_eq(decode(LINK_PPI, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = ppi_frame(0, &field, 1, &t);
    f.bytes[2] = 0xff; /* longer than the frame */
    f.bytes[3] = 0x7f;
    ck_assert_int_eq(decode(LINK_PPI, &f, &p), TV_DECODE_TRUNCATED);
}
END_TEST

START_TEST(test_ppi_cut_anywhere_is_handled)
{
    struct pb_tcp t = data6();
    const struct ppi_field fields[] = {{PPI_80211_COMMON, 20, 0}, {0xfff1, 3, 0}};
    struct frame f = ppi_frame(PPI_ALIGNED, fields, 2, &t);
    assert_every_cut_is_handled(LINK_PPI, &f, IPV6_TCP_HEADERS_LEN);
}
END_TEST

/* ---- PPP and HDLC ---- */

static struct frame serial_frame(const uint8_t *link, size_t link_len, const struct pb_tcp *t)
{
    struct header h = {{0}, 0};
    put(&h, link, link_len);
    return frame_of(&h, t);
}

START_TEST(test_ppp_with_and_without_address_control_and_protocol_compression)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    static const uint8_t full4[] = {0xff, 0x03, 0x00, 0x21};
    static const uint8_t full6[] = {0xff, 0x03, 0x00, 0x57};
    static const uint8_t acfc4[] = {0x00, 0x21};
    static const uint8_t pfc4[] = {0xff, 0x03, 0x21};
    static const uint8_t both4[] = {0x21};
    static const uint8_t both6[] = {0x57};
    const struct {
        const uint8_t *link;
        size_t len;
        const struct pb_tcp *t;
    } cases[] = {
        {full4, sizeof(full4), &v4}, {full6, sizeof(full6), &v6}, {acfc4, sizeof(acfc4), &v4},
        {pfc4, sizeof(pfc4), &v4},   {both4, sizeof(both4), &v4}, {both6, sizeof(both6), &v6},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct frame f = serial_frame(cases[i].link, cases[i].len, cases[i].t);
        assert_segment(LINK_PPP, &f, cases[i].t);
        if (cases[i].link[0] == 0xff)
            assert_segment(LINK_PPP_HDLC, &f, cases[i].t);
    }
}
END_TEST

START_TEST(test_ppp_control_and_compressed_protocols_are_not_read)
{
    struct pb_tcp t = syn4();
    struct packet p;
    static const uint16_t control[] = {0xc021 /* LCP */, 0x8021 /* IPCP */, 0x8057 /* IPV6CP */,
                                       0xc023 /* PAP */, 0x0031 /* bridging */};
    static const uint16_t compressed[] = {0x002d, 0x002f, 0x003d, 0x00fb, 0x00fd};
    for (size_t i = 0; i < 5; i++) {
        uint8_t link[4] = {0xff, 0x03, (uint8_t)(control[i] >> 8), (uint8_t)control[i]};
        struct frame f = serial_frame(link, sizeof(link), &t);
        ck_assert_int_eq(decode(LINK_PPP, &f, &p), TV_DECODE_NOT_IP);
        link[2] = (uint8_t)(compressed[i] >> 8);
        link[3] = (uint8_t)compressed[i];
        f = serial_frame(link, sizeof(link), &t);
        ck_assert_int_eq(decode(LINK_PPP, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    }
}
END_TEST

START_TEST(test_cisco_hdlc_carries_an_ethertype)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    static const uint8_t unicast4[] = {0x0f, 0x00, 0x08, 0x00};
    static const uint8_t broadcast6[] = {0x8f, 0x00, 0x86, 0xdd};
    static const uint8_t slarp[] = {0x8f, 0x00, 0x80, 0x35};
    struct frame f = serial_frame(unicast4, sizeof(unicast4), &v4);
    assert_segment(LINK_C_HDLC, &f, &v4);
    assert_segment(LINK_PPP_HDLC, &f, &v4); /* told from PPP by its address */
    f = serial_frame(broadcast6, sizeof(broadcast6), &v6);
    assert_segment(LINK_C_HDLC, &f, &v6);
    assert_segment(LINK_PPP_HDLC, &f, &v6);
    struct packet p;
    f = serial_frame(slarp, sizeof(slarp), &v4);
    ck_assert_int_eq(decode(LINK_C_HDLC, &f, &p), TV_DECODE_NOT_IP);
    ck_assert_int_eq(decode(LINK_PPP_HDLC, &f, &p), TV_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_serial_links_cut_anywhere_are_handled)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    static const uint8_t ppp4[] = {0xff, 0x03, 0x00, 0x21};
    static const uint8_t pfc6[] = {0x57};
    static const uint8_t hdlc6[] = {0x0f, 0x00, 0x86, 0xdd};
    struct frame f = serial_frame(ppp4, sizeof(ppp4), &v4);
    assert_every_cut_is_handled(LINK_PPP, &f, IPV4_TCP_HEADERS_LEN);
    assert_every_cut_is_handled(LINK_PPP_HDLC, &f, IPV4_TCP_HEADERS_LEN);
    f = serial_frame(pfc6, sizeof(pfc6), &v6);
    assert_every_cut_is_handled(LINK_PPP, &f, IPV6_TCP_HEADERS_LEN);
    f = serial_frame(hdlc6, sizeof(hdlc6), &v6);
    assert_every_cut_is_handled(LINK_C_HDLC, &f, IPV6_TCP_HEADERS_LEN);
    assert_every_cut_is_handled(LINK_PPP_HDLC, &f, IPV6_TCP_HEADERS_LEN);
}
END_TEST

/* ---- raw IPv4 and IPv6 ---- */

START_TEST(test_ipv4_and_ipv6_link_types_take_only_their_own_version)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    struct header none = {{0}, 0};
    struct packet p;
    struct frame f4 = frame_of(&none, &v4);
    struct frame f6 = frame_of(&none, &v6);
    assert_segment(LINK_IPV4, &f4, &v4);
    assert_segment(LINK_IPV6, &f6, &v6);
    ck_assert_int_eq(decode(LINK_IPV4, &f6, &p), TV_DECODE_BAD_IP_VERSION);
    ck_assert_int_eq(decode(LINK_IPV6, &f4, &p), TV_DECODE_BAD_IP_VERSION);
    assert_every_cut_is_handled(LINK_IPV4, &f4, IPV4_TCP_HEADERS_LEN);
    assert_every_cut_is_handled(LINK_IPV6, &f6, IPV6_TCP_HEADERS_LEN);
}
END_TEST

/* ---- NFLOG ---- */

enum {
    NFULA_PACKET_HDR = 1,
    NFULA_MARK = 2,
    NFULA_PAYLOAD = 9,
    NFULA_PREFIX = 10,
    NFULA_CT = 18,
    NLA_F_NESTED = 0x8000,
};

struct nflog {
    bool is_big_endian; /* the capturing host's byte order */
    unsigned group;
    const char *prefix; /* NULL: no NFULA_PREFIX */
    bool has_payload;
    bool prefix_after_payload;
};

static void put_tlv_header(struct header *h, bool is_big_endian, unsigned len, unsigned type)
{
    if (is_big_endian) {
        put16be(h, len);
        put16be(h, type);
    } else {
        put16le(h, len);
        put16le(h, type);
    }
}

static void put_tlv(struct header *h, bool is_big_endian, unsigned type, const void *value,
                    size_t len)
{
    put_tlv_header(h, is_big_endian, (unsigned)len + 4, type);
    put(h, value, len);
    put_zeros(h, (4 - len % 4) % 4);
}

/*
 * An NFLOG record as the kernel writes it (nfnetlink_log.c): the packet
 * header attribute, the prefix, a mark, a nested conntrack attribute,
 * then the payload last, whose length is the packet's. Only the payload
 * attribute's header goes into h: the packet follows it in the frame.
 */
static struct frame nflog_frame(const struct nflog *n, const struct pb_tcp *t)
{
    bool be = n->is_big_endian;
    struct header h = {{0}, 0};
    put8(&h, strchr(t->src, ':') != NULL ? 10 : 2); /* AF_INET6, AF_INET */
    put8(&h, 0);
    put16be(&h, n->group);
    static const uint8_t packet_hdr[4] = {0x08, 0x00, 0x01, 0x00}; /* IPv4, NF_INET_LOCAL_IN */
    put_tlv(&h, be, NFULA_PACKET_HDR, packet_hdr, sizeof(packet_hdr));
    if (n->prefix != NULL && !n->prefix_after_payload)
        put_tlv(&h, be, NFULA_PREFIX, n->prefix, strlen(n->prefix) + 1);
    static const uint8_t mark[4] = {0, 0, 0, 7};
    put_tlv(&h, be, NFULA_MARK, mark, sizeof(mark));
    static const uint8_t ct[8] = {0};
    put_tlv(&h, be, NFULA_CT | NLA_F_NESTED, ct, sizeof(ct));
    struct frame f;
    if (!n->has_payload) {
        if (n->prefix != NULL && n->prefix_after_payload)
            put_tlv(&h, be, NFULA_PREFIX, n->prefix, strlen(n->prefix) + 1);
        memcpy(f.bytes, h.bytes, h.len);
        f.len = f.link_len = h.len;
        return f;
    }
    size_t ip_len = pb_build_link(LINK_RAW, t, f.bytes, sizeof(f.bytes));
    ck_assert_uint_gt(ip_len, 0);
    put_tlv_header(&h, be, (unsigned)ip_len + 4, NFULA_PAYLOAD);
    f = frame_of(&h, t);
    if (n->prefix != NULL && n->prefix_after_payload) {
        uint8_t pad[3] = {0};
        append(&f, pad, (4 - ip_len % 4) % 4);
        struct header tail = {{0}, 0};
        put_tlv(&tail, be, NFULA_PREFIX, n->prefix, strlen(n->prefix) + 1);
        append(&f, tail.bytes, tail.len);
    }
    return f;
}

static void assert_prefix(const struct packet *p, const char *prefix)
{
    ck_assert(p->has_log);
    ck_assert_uint_eq(p->log_prefix.len, strlen(prefix));
    ck_assert(memcmp(cursor_ptr(&p->log_prefix), prefix, strlen(prefix)) == 0);
}

START_TEST(test_nflog_payload_prefix_and_group_in_either_byte_order)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    for (int be = 0; be <= 1; be++) {
        struct nflog n = {
            .is_big_endian = be, .group = 0x0105, .prefix = "IN-DROP ", .has_payload = true};
        struct frame f = nflog_frame(&n, &v4);
        assert_segment(LINK_NFLOG, &f, &v4);
        struct packet p;
        decode(LINK_NFLOG, &f, &p);
        ck_assert_uint_eq(p.log_group, 0x0105);
        assert_prefix(&p, "IN-DROP ");

        n.prefix = "fw6 accept";
        n.prefix_after_payload = true;
        f = nflog_frame(&n, &v6);
        assert_segment(LINK_NFLOG, &f, &v6);
        decode(LINK_NFLOG, &f, &p);
        assert_prefix(&p, "fw6 accept");
    }
}
END_TEST

START_TEST(test_nflog_without_prefix_or_payload)
{
    struct pb_tcp t = syn4();
    struct packet p;
    struct nflog n = {.group = 3, .has_payload = true};
    struct frame f = nflog_frame(&n, &t);
    assert_segment(LINK_NFLOG, &f, &t);
    decode(LINK_NFLOG, &f, &p);
    ck_assert(p.has_log);
    ck_assert_uint_eq(p.log_group, 3);
    ck_assert_uint_eq(p.log_prefix.len, 0);

    /* Logged with a copy range of 0: the packet is not there to read. */
    n.has_payload = false;
    n.prefix = "no payload";
    f = nflog_frame(&n, &t);
    ck_assert_int_eq(decode(LINK_NFLOG, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    /* Other link types leave the log fields clear. */
    struct header none = {{0}, 0};
    f = frame_of(&none, &t);
    ck_assert_int_eq(decode(LINK_RAW, &f, &p), TV_DECODE_OK);
    ck_assert(!p.has_log);
    ck_assert_uint_eq(p.log_prefix.len, 0);
}
END_TEST

START_TEST(test_nflog_prefix_without_nul_is_capped)
{
    struct pb_tcp t = syn4();
    char long_prefix[200];
    memset(long_prefix, 'p', sizeof(long_prefix) - 1);
    long_prefix[sizeof(long_prefix) - 1] = '\0';
    struct nflog n = {.prefix = long_prefix, .has_payload = true};
    struct frame f = nflog_frame(&n, &t);
    struct packet p;
    ck_assert_int_eq(decode(LINK_NFLOG, &f, &p), TV_DECODE_OK);
    ck_assert_uint_eq(p.log_prefix.len, 128);
}
END_TEST

START_TEST(test_nflog_malformed_records_are_not_read)
{
    struct pb_tcp t = syn4();
    struct packet p;
    struct nflog n = {.prefix = "x", .has_payload = true};
    struct frame f = nflog_frame(&n, &t);
    f.bytes[1] = 1; /* version */
    ck_assert_int_eq(decode(LINK_NFLOG, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = nflog_frame(&n, &t);
    f.bytes[4] = 2; /* an attribute shorter than its own header */
    f.bytes[5] = 0;
    ck_assert_int_eq(decode(LINK_NFLOG, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    f = nflog_frame(&n, &t);
    f.bytes[6] = 0x77; /* a type that does not exist, in either order */
    f.bytes[7] = 0x77;
    ck_assert_int_eq(decode(LINK_NFLOG, &f, &p), TV_DECODE_UNSUPPORTED_FRAME);
    /* A header and no attributes at all. */
    static const uint8_t bare[4] = {2, 0, 0, 1};
    struct frame b;
    memcpy(b.bytes, bare, sizeof(bare));
    b.len = b.link_len = sizeof(bare);
    ck_assert_int_eq(decode(LINK_NFLOG, &b, &p), TV_DECODE_TRUNCATED);
    /* A payload that is not IP. */
    f = nflog_frame(&n, &t);
    f.bytes[f.link_len] = 0x55;
    ck_assert_int_eq(decode(LINK_NFLOG, &f, &p), TV_DECODE_BAD_IP_VERSION);
}
END_TEST

START_TEST(test_nflog_cut_anywhere_is_handled)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    for (int be = 0; be <= 1; be++) {
        struct nflog n = {.is_big_endian = be, .group = 9, .prefix = "cut", .has_payload = true};
        struct frame f = nflog_frame(&n, &v4);
        assert_every_cut_is_handled(LINK_NFLOG, &f, IPV4_TCP_HEADERS_LEN);
        f = nflog_frame(&n, &v6);
        assert_every_cut_is_handled(LINK_NFLOG, &f, IPV6_TCP_HEADERS_LEN);
    }
}
END_TEST

/* ---- all of them ---- */

START_TEST(test_new_link_types_are_decoded_and_named)
{
    static const int linktypes[] = {LINK_FDDI,   LINK_IEEE802_11, LINK_IEEE802_11_RADIOTAP,
                                    LINK_PPI,    LINK_PPP,        LINK_PPP_HDLC,
                                    LINK_C_HDLC, LINK_IPV4,       LINK_IPV6,
                                    LINK_NFLOG};
    for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
        ck_assert_msg(tv_linktype_is_decoded(linktypes[i]), "%d", linktypes[i]);
    static const enum tv_decode_status added[] = {TV_DECODE_ENCRYPTED, TV_DECODE_UNSUPPORTED_FRAME,
                                                  TV_DECODE_BAD_FCS};
    ck_assert_str_eq(tv_decode_status_name(added[0]), "encrypted");
    ck_assert_str_eq(tv_decode_status_name(added[1]), "unsupported_frame");
    ck_assert_str_eq(tv_decode_status_name(added[2]), "bad_fcs");
}
END_TEST

static Suite *decode_link_suite(void)
{
    Suite *s = suite_create("decode_link");
    TCase *fddi = tcase_create("fddi");
    tcase_add_test(fddi, test_fddi_llc_frames_of_both_classes_carry_ip);
    tcase_add_test(fddi, test_fddi_ring_frames_are_not_ip);
    tcase_add_test(fddi, test_llc_without_snap_or_another_oui_is_not_ip);
    tcase_add_test(fddi, test_fddi_cut_anywhere_is_handled);
    suite_add_tcase(s, fddi);

    TCase *wlan = tcase_create("80211");
    tcase_add_test(wlan, test_80211_data_frames_of_every_address_form_carry_ip);
    tcase_add_test(wlan, test_80211_qos_data_with_and_without_ht_control);
    tcase_add_test(wlan, test_80211_frame_check_sequence_is_not_payload);
    tcase_add_test(wlan, test_80211_protected_frames_are_encrypted_not_tcp);
    tcase_add_test(wlan, test_80211_frames_without_a_packet_are_not_ip);
    tcase_add_test(wlan, test_80211_fragments_and_aggregates_are_not_decoded);
    tcase_add_test(wlan, test_80211_cut_anywhere_is_handled);
    tcase_add_test(wlan, test_radiotap_is_skipped_by_its_length);
    tcase_add_test(wlan, test_radiotap_flags_fcs_and_data_pad);
    tcase_add_test(wlan, test_radiotap_bad_fcs_is_a_frame_not_delivered);
    tcase_add_test(wlan, test_radiotap_malformed_header_is_not_followed);
    tcase_add_test(wlan, test_radiotap_cut_anywhere_is_handled);
    tcase_add_test(wlan, test_ppi_fields_are_skipped_to_the_80211_frame);
    tcase_add_test(wlan, test_ppi_fcs_invalid_or_phy_error_is_a_frame_not_delivered);
    tcase_add_test(wlan, test_ppi_carries_other_link_types_but_not_itself);
    tcase_add_test(wlan, test_ppi_malformed_header_is_not_followed);
    tcase_add_test(wlan, test_ppi_cut_anywhere_is_handled);
    suite_add_tcase(s, wlan);

    TCase *serial = tcase_create("serial");
    tcase_add_test(serial, test_ppp_with_and_without_address_control_and_protocol_compression);
    tcase_add_test(serial, test_ppp_control_and_compressed_protocols_are_not_read);
    tcase_add_test(serial, test_cisco_hdlc_carries_an_ethertype);
    tcase_add_test(serial, test_serial_links_cut_anywhere_are_handled);
    tcase_add_test(serial, test_ipv4_and_ipv6_link_types_take_only_their_own_version);
    suite_add_tcase(s, serial);

    TCase *nflog = tcase_create("nflog");
    tcase_add_test(nflog, test_nflog_payload_prefix_and_group_in_either_byte_order);
    tcase_add_test(nflog, test_nflog_without_prefix_or_payload);
    tcase_add_test(nflog, test_nflog_prefix_without_nul_is_capped);
    tcase_add_test(nflog, test_nflog_malformed_records_are_not_read);
    tcase_add_test(nflog, test_nflog_cut_anywhere_is_handled);
    tcase_add_test(nflog, test_new_link_types_are_decoded_and_named);
    suite_add_tcase(s, nflog);
    return s;
}

int main(void)
{
    return check_main_run(decode_link_suite());
}
