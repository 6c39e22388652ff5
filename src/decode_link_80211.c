/*
 * IEEE 802.11: data frames as a monitor-mode capture shows them, plain
 * (LINKTYPE_IEEE802_11), behind a radiotap header (LINKTYPE_IEEE802_11_
 * RADIOTAP) or a PPI header (LINKTYPE_PPI), on to the LLC/SNAP header
 * that names the network protocol.
 *
 * Only data frames that carry a whole MSDU in the clear are read.
 * Management and control frames, and data subtypes without a body
 * (Null, QoS Null), are normal traffic that is not IP. A protected frame
 * is encrypted: counted as such, never taken for what it carries. A
 * fragment of an MSDU, or an A-MSDU aggregate, holds no single packet to
 * hand on and is counted as a frame not decoded. A frame the radio saw
 * fail its frame check sequence was never delivered: not analysed.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    WLAN_TYPE_DATA = 2,
    WLAN_SUBTYPE_NO_BODY = 0x4, /* Null, CF-Ack, CF-Poll without data */
    WLAN_SUBTYPE_QOS = 0x8,
    WLAN_FLAG_TO_DS = 0x01,
    WLAN_FLAG_FROM_DS = 0x02,
    WLAN_FLAG_MORE_FRAGMENTS = 0x04,
    WLAN_FLAG_PROTECTED = 0x40,
    WLAN_FLAG_ORDER = 0x80,  /* on a QoS data frame: an HT Control field */
    WLAN_QOS_AMSDU = 0x0080, /* QoS Control: the body is an A-MSDU */
    WLAN_HEADER_LEN = 24,    /* frame control to sequence control */
    WLAN_ADDR_LEN = 6,       /* the fourth address, To DS and From DS both set */
    WLAN_QOS_LEN = 2,
    WLAN_HT_CONTROL_LEN = 4,
    RADIOTAP_HEADER_LEN = 8, /* version, pad, length, first present word */
    RADIOTAP_PRESENT_TSFT = 0x00000001u,
    RADIOTAP_PRESENT_FLAGS = 0x00000002u,
    RADIOTAP_PRESENT_EXT = 0x80000000u,
    RADIOTAP_FLAG_DATA_PAD = 0x20, /* the 802.11 header is padded to 32 bits */
    RADIOTAP_FLAG_BAD_FCS = 0x40,
    PPI_HEADER_LEN = 8,       /* version, flags, length, link type */
    PPI_FLAG_ALIGNED = 0x01,  /* fields are padded to 32 bits */
    PPI_FIELD_HEADER_LEN = 4, /* type, length */
    PPI_FIELD_80211_COMMON = 2,
    PPI_80211_FLAGS_OFF = 8, /* after the TSF timer */
    PPI_80211_FCS_INVALID = 0x0004,
    PPI_80211_PHY_ERROR = 0x0008,
};

/*
 * IEEE 802.11-2020 9.2.4 / 9.3.2.1: the MAC header of a data frame. Its
 * length depends on the frame: a fourth address when the frame goes from
 * one distribution system to another (To DS and From DS both set; the
 * other three address forms differ only in what the three addresses
 * mean), QoS Control on QoS subtypes, and HT Control on those with the
 * Order bit. data_pad: the capturing driver padded the header to a
 * multiple of four bytes (radiotap says so).
 */
static enum tv_decode_status decode_wlan_frame(struct decoder *d, struct cursor *c, bool data_pad)
{
    uint8_t fc = cursor_u8(c);
    uint8_t flags = cursor_u8(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    /* Told apart by frame control alone: control frames are shorter than
     * the data header (an ACK is 10 bytes). */
    uint8_t version = fc & 0x03;
    uint8_t type = (fc >> 2) & 0x03;
    uint8_t subtype = fc >> 4;
    if (version != 0 || type != WLAN_TYPE_DATA || (subtype & WLAN_SUBTYPE_NO_BODY))
        return TV_DECODE_NOT_IP;
    cursor_skip(c, 2 + 3 * WLAN_ADDR_LEN); /* duration, three addresses */
    uint16_t seq_ctl = cursor_le16(c);

    size_t header_len = WLAN_HEADER_LEN;
    if ((flags & WLAN_FLAG_TO_DS) && (flags & WLAN_FLAG_FROM_DS)) {
        cursor_skip(c, WLAN_ADDR_LEN);
        header_len += WLAN_ADDR_LEN;
    }
    uint16_t qos = 0;
    if (subtype & WLAN_SUBTYPE_QOS) {
        qos = cursor_le16(c);
        header_len += WLAN_QOS_LEN;
        if (flags & WLAN_FLAG_ORDER) {
            cursor_skip(c, WLAN_HT_CONTROL_LEN);
            header_len += WLAN_HT_CONTROL_LEN;
        }
    }
    if (data_pad)
        cursor_skip(c, (4 - header_len % 4) % 4);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;

    if (flags & WLAN_FLAG_PROTECTED)
        return TV_DECODE_ENCRYPTED;
    if ((flags & WLAN_FLAG_MORE_FRAGMENTS) || (seq_ctl & 0x000f) != 0 || (qos & WLAN_QOS_AMSDU))
        return TV_DECODE_UNSUPPORTED_FRAME;
    return decode_llc_snap(d, c, 0);
}

enum tv_decode_status decode_ieee80211(struct decoder *d, struct cursor *c)
{
    return decode_wlan_frame(d, c, false);
}

/*
 * Radiotap (radiotap.org): a little-endian header whose length covers
 * every field; the first present bitmap, and those chained to it by
 * bit 31, say which fields follow, each aligned to its own size from
 * the start of the header. Only Flags matters here: whether the frame
 * passed its FCS and whether its header was padded. It is the second
 * field, after the 8-byte TSFT, in the first (radiotap) namespace.
 */
enum tv_decode_status decode_radiotap(struct decoder *d, struct cursor *c)
{
    struct cursor header = *c;
    uint8_t version = cursor_u8(c);
    cursor_skip(c, 1);
    uint16_t header_len = cursor_le16(c);
    uint32_t present = cursor_le32(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (version != 0 || header_len < RADIOTAP_HEADER_LEN)
        return TV_DECODE_UNSUPPORTED_FRAME;
    struct cursor fields = cursor_split(&header, header_len);
    if (fields.overrun)
        return TV_DECODE_TRUNCATED;
    cursor_skip(&fields, RADIOTAP_HEADER_LEN);
    /* Chained bitmaps: each is at least 4 bytes of a bounded header. */
    for (uint32_t word = present; word & RADIOTAP_PRESENT_EXT;) {
        word = cursor_le32(&fields);
        if (fields.overrun)
            return TV_DECODE_UNSUPPORTED_FRAME;
    }
    uint8_t flags = 0;
    if (present & RADIOTAP_PRESENT_FLAGS) {
        if (present & RADIOTAP_PRESENT_TSFT) {
            cursor_skip(&fields, (8 - fields.off % 8) % 8);
            cursor_skip(&fields, 8);
        }
        flags = cursor_u8(&fields);
        if (fields.overrun)
            return TV_DECODE_UNSUPPORTED_FRAME;
    }
    if (flags & RADIOTAP_FLAG_BAD_FCS)
        return TV_DECODE_BAD_FCS;
    return decode_wlan_frame(d, &header, (flags & RADIOTAP_FLAG_DATA_PAD) != 0);
}

/*
 * PPI, the Per-Packet Information header (CACE Technologies, version
 * 1.0.7): little-endian, a length that covers its fields, and the link
 * type of the frame behind it. The 802.11-Common field says whether the
 * frame failed its FCS or had a PHY error. A PPI frame inside PPI is not
 * followed: nothing writes one, and it would let a frame nest without end.
 */
enum tv_decode_status decode_ppi(struct decoder *d, struct cursor *c)
{
    struct cursor header = *c;
    uint8_t version = cursor_u8(c);
    uint8_t ppi_flags = cursor_u8(c);
    uint16_t header_len = cursor_le16(c);
    uint32_t linktype = cursor_le32(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (version != 0 || header_len < PPI_HEADER_LEN)
        return TV_DECODE_UNSUPPORTED_FRAME;
    struct cursor fields = cursor_split(&header, header_len);
    if (fields.overrun)
        return TV_DECODE_TRUNCATED;
    cursor_skip(&fields, PPI_HEADER_LEN);
    /* Each field takes at least its 4-byte header: bounded by header_len. */
    while (cursor_remaining(&fields) > 0) {
        uint16_t type = cursor_le16(&fields);
        uint16_t field_len = cursor_le16(&fields);
        struct cursor field = cursor_split(&fields, field_len);
        if (ppi_flags & PPI_FLAG_ALIGNED)
            cursor_skip(&fields, (4 - field_len % 4) % 4);
        if (fields.overrun)
            return TV_DECODE_UNSUPPORTED_FRAME;
        if (type == PPI_FIELD_80211_COMMON) {
            cursor_skip(&field, PPI_80211_FLAGS_OFF);
            uint16_t wlan_flags = cursor_le16(&field);
            if (!field.overrun && (wlan_flags & (PPI_80211_FCS_INVALID | PPI_80211_PHY_ERROR)))
                return TV_DECODE_BAD_FCS;
        }
    }
    /* The PPI header was read: a frame of a link type not decoded behind
     * it is a frame not read, not a link type (PPI) not read. */
    if (linktype == LINK_PPI || linktype > INT32_MAX)
        return TV_DECODE_UNSUPPORTED_FRAME;
    enum tv_decode_status status = decode_link(d, (int)linktype, &header);
    return status == TV_DECODE_UNSUPPORTED_LINK ? TV_DECODE_UNSUPPORTED_FRAME : status;
}
