/*
 * The pcap file format: a 24-byte header, then per packet a 16-byte
 * record header and the captured bytes; every field in the writer's byte
 * order, which the magic number tells readers.
 */
#include "pcap_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#include "banned.h"

#define PCAP_MAGIC_US      0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4

struct pcap_writer {
    FILE *out;
    bool is_stdout;
    int linktype;
    uint32_t snaplen;
};

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static bool pcap_writer_put(struct pcap_writer *w, const void *data, size_t len)
{
    errno = 0;
    if (len == 0 || fwrite(data, 1, len, w->out) == len)
        return true;
    if (errno == 0)
        errno = EIO;
    return false;
}

struct pcap_writer *pcap_writer_open(const char *path, int linktype, uint32_t snaplen)
{
    struct pcap_writer *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->is_stdout = strcmp(path, "-") == 0;
    w->out = w->is_stdout ? platform_stdout_binary() : fopen(path, "wb");
    if (w->out == NULL) {
        int saved = errno;
        free(w);
        errno = saved;
        return NULL;
    }
    w->linktype = linktype;
    w->snaplen = snaplen;
    uint8_t hdr[24];
    put32(hdr, PCAP_MAGIC_US);
    put16(hdr + 4, PCAP_VERSION_MAJOR);
    put16(hdr + 6, PCAP_VERSION_MINOR);
    put32(hdr + 8, 0);  /* thiszone: stamps are UTC */
    put32(hdr + 12, 0); /* sigfigs */
    put32(hdr + 16, snaplen);
    put32(hdr + 20, (uint32_t)linktype);
    if (!pcap_writer_put(w, hdr, sizeof(hdr))) {
        int saved = errno;
        pcap_writer_close(w);
        errno = saved;
        return NULL;
    }
    return w;
}

int pcap_writer_linktype(const struct pcap_writer *w)
{
    return w->linktype;
}

bool pcap_writer_packet(struct pcap_writer *w, int64_t ts_us, const uint8_t *data, uint32_t caplen,
                        uint32_t wirelen)
{
    int64_t sec = ts_us / 1000000;
    int64_t usec = ts_us % 1000000;
    if (usec < 0) {
        usec += 1000000;
        sec--;
    }
    if (sec < 0) {
        sec = 0;
        usec = 0;
    } else if (sec > (int64_t)UINT32_MAX) {
        sec = UINT32_MAX;
        usec = 999999;
    }
    if (caplen > w->snaplen)
        caplen = w->snaplen;
    uint8_t rec[16];
    put32(rec, (uint32_t)sec);
    put32(rec + 4, (uint32_t)usec);
    put32(rec + 8, caplen);
    put32(rec + 12, wirelen < caplen ? caplen : wirelen);
    return pcap_writer_put(w, rec, sizeof(rec)) && pcap_writer_put(w, data, caplen);
}

bool pcap_writer_flush(struct pcap_writer *w)
{
    errno = 0;
    if (fflush(w->out) == 0 && !ferror(w->out))
        return true;
    if (errno == 0)
        errno = EIO;
    return false;
}

bool pcap_writer_close(struct pcap_writer *w)
{
    if (w == NULL)
        return true;
    bool is_ok = pcap_writer_flush(w);
    int saved = errno;
    if (!w->is_stdout && fclose(w->out) != 0 && is_ok) {
        is_ok = false;
        saved = errno != 0 ? errno : EIO;
    }
    free(w);
    errno = saved;
    return is_ok;
}
