/*
 * The pcap reader against libpcap: for every capture in capture-samples/
 * (and the shared corpus when it is there) and for damaged files made here
 * from one of them, both readers must hand out the same records (times,
 * lengths, bytes) and stop the same way, with the same message; and
 * reader_pcap.c must read alike from a mapping and through a buffer fed a
 * few bytes at a time, as from a pipe. libpcap is the reference;
 * reader_pcap.c must never know more or less than it.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "input.h"
#include "reader_pcap.h"

/* What one reader made of a file, record by record, folded into a digest
 * so that files of any size compare in constant memory. */
struct outcome {
    uint64_t records;
    uint64_t digest;
    bool is_error;
    char error[PCAP_ERRBUF_SIZE];
};

static uint64_t mix(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL; /* FNV-1a, 64 bits */
    return h;
}

static uint64_t mix_record(uint64_t h, int64_t sec, int64_t usec, uint32_t caplen, uint32_t wirelen,
                           const uint8_t *data)
{
    h = mix(h, &sec, sizeof(sec));
    h = mix(h, &usec, sizeof(usec));
    h = mix(h, &caplen, sizeof(caplen));
    h = mix(h, &wirelen, sizeof(wirelen));
    return mix(h, data, caplen);
}

/* Seconds and microseconds as libpcap hands them out, from our time. */
static void split_ts(int64_t ts_us, int64_t *sec, int64_t *usec)
{
    *sec = ts_us / 1000000;
    *usec = ts_us % 1000000;
}

/* libpcap leaves fractions as the file has them (a damaged file may hold
 * any); ours are folded into the time, so compare times as libpcap's
 * fold into ours. */
static int64_t libpcap_ts_us(int64_t sec, int64_t usec)
{
    return sec * 1000000 + usec;
}

/*
 * libpcap hands the NFLOG records of a file written in the other byte
 * order with each attribute's length and type swapped to the reading
 * host's order (its swap_nflog_header()); tcpverdict's reader leaves the
 * bytes as written, and its decoder reads either order. Undone here, in a
 * copy, with libpcap's own walk, so that the records compare.
 */
static const u_char *nflog_as_written(const u_char *data, uint32_t caplen, u_char *copy)
{
    enum { NFLOG_HEADER_LEN = 4, TLV_HEADER_LEN = 4 };
    memcpy(copy, data, caplen);
    if (caplen < NFLOG_HEADER_LEN || copy[1] != 0) /* version 0 only */
        return copy;
    for (uint32_t off = NFLOG_HEADER_LEN; caplen - off >= TLV_HEADER_LEN;) {
        uint16_t len; /* in this host's order, as libpcap left it */
        memcpy(&len, copy + off, sizeof(len));
        for (uint32_t i = 0; i < TLV_HEADER_LEN; i += 2) {
            u_char b = copy[off + i];
            copy[off + i] = copy[off + i + 1];
            copy[off + i + 1] = b;
        }
        uint32_t size = ((uint32_t)len + 3u) & ~3u;
        if (size < TLV_HEADER_LEN || caplen - off < size)
            break;
        off += size;
    }
    return copy;
}

/* Returns false if libpcap cannot open the file at all. */
static bool read_with_libpcap(const char *path, struct outcome *out, uint32_t *snapshot,
                              bool *is_pcap)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    memset(out, 0, sizeof(*out));
    out->digest = 0xcbf29ce484222325ULL;
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (p == NULL)
        return false;
    *snapshot = (uint32_t)pcap_snapshot(p);
    /* pcapng files have their own reader and test. */
    *is_pcap = pcap_major_version(p) == 2 || pcap_major_version(p) == 543;
    bool is_nflog_swapped = pcap_datalink(p) == DLT_NFLOG && pcap_is_swapped(p);
    static u_char copy[262144];
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        if (is_nflog_swapped && hdr->caplen <= sizeof(copy))
            data = nflog_as_written(data, hdr->caplen, copy);
        out->records++;
        int64_t sec = 0;
        int64_t usec = 0;
        split_ts(libpcap_ts_us((int64_t)hdr->ts.tv_sec, (int64_t)hdr->ts.tv_usec), &sec, &usec);
        out->digest = mix_record(out->digest, sec, usec, hdr->caplen, hdr->len, data);
    }
    if (rc != PCAP_ERROR_BREAK) {
        out->is_error = true;
        snprintf(out->error, sizeof(out->error), "%s", pcap_geterr(p));
    }
    pcap_close(p);
    return true;
}

/* Reads an input with reader_pcap.c. Returns false if it declines. */
static bool read_input(struct input *in, uint32_t *snapshot, struct outcome *out)
{
    memset(out, 0, sizeof(*out));
    out->digest = 0xcbf29ce484222325ULL;
    struct reader_note note = {0};
    struct reader_pcap *r = reader_pcap_open(in, &note);
    if (r == NULL)
        return false;
    *snapshot = reader_pcap_snapshot(r);
    struct reader_packet pkt;
    enum reader_status status;
    while ((status = reader_pcap_next(r, &pkt, &note)) == READER_PACKET) {
        out->records++;
        int64_t sec = 0;
        int64_t usec = 0;
        split_ts(pkt.ts_us, &sec, &usec);
        out->digest = mix_record(out->digest, sec, usec, pkt.caplen, pkt.wirelen, pkt.data);
    }
    ck_assert_int_ne(status, READER_UNREADABLE);
    if (status == READER_ERROR) {
        out->is_error = true;
        snprintf(out->error, sizeof(out->error), "%s", note.text);
    }
    reader_pcap_close(r);
    return true;
}

static uint8_t *load_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    *len = 0;
    for (;;) {
        ck_assert_ptr_nonnull(buf);
        *len += fread(buf + *len, 1, cap - *len, f);
        if (*len < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    fclose(f);
    return buf;
}

/* Returns false if reader_pcap.c declines the file; reads it mapped, then
 * as a pipe gives it, and checks both agree. */
static bool read_with_reader(const char *path, uint32_t *snapshot, struct outcome *out)
{
    char err[256];
    struct input *in = input_open(path, err, sizeof(err));
    ck_assert_msg(in != NULL, "%s: %s", path, err);
    bool is_read = read_input(in, snapshot, out);
    input_close(in);

    size_t len = 0;
    uint8_t *data = load_file(path, &len);
    /* An odd chunk size, so that records straddle every refill. */
    in = input_open_memory(data, len, 7);
    ck_assert_ptr_nonnull(in);
    struct outcome piped;
    uint32_t piped_snapshot = 0;
    ck_assert(read_input(in, &piped_snapshot, &piped) == is_read);
    input_close(in);
    free(data);
    if (is_read) {
        ck_assert_msg(piped.records == out->records && piped.digest == out->digest &&
                          strcmp(piped.error, out->error) == 0,
                      "%s: read through a buffer, %llu records ending '%s'; mapped, %llu "
                      "ending '%s'",
                      path, (unsigned long long)piped.records, piped.error,
                      (unsigned long long)out->records, out->error);
    }
    return is_read;
}

/* Both readers on one file; returns true if reader_pcap.c read it. */
static bool compare_file(const char *path)
{
    struct outcome ref;
    struct outcome got;
    uint32_t snapshot = 0;
    uint32_t got_snapshot = 0;
    bool is_pcap = false;
    if (!read_with_libpcap(path, &ref, &snapshot, &is_pcap)) {
        /* What libpcap refuses, ours refuses too. */
        ck_assert_msg(!read_with_reader(path, &got_snapshot, &got), "%s: read what libpcap cannot",
                      path);
        return false;
    }
    if (!read_with_reader(path, &got_snapshot, &got)) {
        ck_assert_msg(!is_pcap, "%s: a pcap file declined", path);
        return false;
    }
    ck_assert_msg(is_pcap, "%s: read a file that is not pcap", path);
    ck_assert_msg(got_snapshot == snapshot, "%s: snapshot length %u, libpcap %u", path,
                  got_snapshot, snapshot);
    ck_assert_msg(got.records == ref.records, "%s: %llu records, libpcap %llu", path,
                  (unsigned long long)got.records, (unsigned long long)ref.records);
    ck_assert_msg(got.digest == ref.digest, "%s: records differ from libpcap's", path);
    ck_assert_msg(got.is_error == ref.is_error, "%s: ends %s, libpcap %s", path,
                  got.is_error ? got.error : "cleanly", ref.is_error ? ref.error : "cleanly");
    ck_assert_msg(strcmp(got.error, ref.error) == 0, "%s: '%s', libpcap '%s'", path, got.error,
                  ref.error);
    return true;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name);
    size_t k = strlen(suffix);
    return n >= k && strcmp(name + n - k, suffix) == 0;
}

/* Compares every capture file under dir (one level of subdirectories);
 * returns how many savefile.c read. */
static unsigned compare_dir(const char *dir, unsigned depth)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (has_suffix(e->d_name, ".pcap") || has_suffix(e->d_name, ".pcapng") ||
            has_suffix(e->d_name, ".trace"))
            n += compare_file(path) ? 1 : 0;
        else if (depth > 0)
            n += compare_dir(path, depth - 1);
    }
    closedir(d);
    return n;
}

static const char *srcdir(void)
{
    const char *top = getenv("top_srcdir");
    return top != NULL ? top : ".";
}

START_TEST(test_real_captures_read_alike)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/capture-samples", srcdir());
    unsigned n = compare_dir(dir, 0);
    ck_assert_uint_ge(n, 20); /* the samples are pcap 2.4: all must be read in place */
    snprintf(dir, sizeof(dir), "%s/../shared/corpus", srcdir());
    compare_dir(dir, 1);
}
END_TEST

/* A small valid capture to damage: the first sample in the directory. */
static size_t load_sample(uint8_t *buf, size_t cap)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/capture-samples/demo.pcap", srcdir());
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    ck_assert_uint_gt(n, 24 + 16);
    return n;
}

static void write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static void put32(uint8_t *p, uint32_t v, bool big_endian)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(big_endian ? v >> (24 - 8 * i) : v >> (8 * i));
}

static uint32_t get32(const uint8_t *p, bool big_endian)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (big_endian ? 24 - 8 * i : 8 * i);
    return v;
}

/* Offsets of the first few records of a capture in buf. */
static size_t record_offsets(const uint8_t *buf, size_t len, bool big_endian, size_t *off,
                             size_t cap)
{
    size_t n = 0;
    size_t pos = 24;
    while (n < cap && pos + 16 <= len) {
        off[n++] = pos;
        pos += 16 + get32(buf + pos + 8, big_endian);
    }
    return n;
}

START_TEST(test_damaged_files_read_alike)
{
    static uint8_t orig[1 << 20];
    static uint8_t buf[1 << 20];
    size_t len = load_sample(orig, sizeof(orig));
    bool big_endian = get32(orig, false) != 0xa1b2c3d4u && get32(orig, false) != 0xa1b23c4du;
    size_t off[8];
    size_t nrec = record_offsets(orig, len, big_endian, off, 8);
    ck_assert_uint_ge(nrec, 4);

    char path[] = "/tmp/check_reader_pcap_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);

    /* Cut at every length through the first records and somewhat beyond. */
    for (size_t cut = 24; cut <= off[3] + 40 && cut <= len; cut++) {
        write_file(path, orig, cut);
        ck_assert(compare_file(path));
    }

    /* Lengths and times that lie, in each of the first records. */
    static const uint32_t caplens[] = {0,     1,      59,     60,          96,         65535,
                                       65536, 262144, 262145, 0x7fffffffu, 0xffffffffu};
    static const uint32_t fractions[] = {0, 999999, 1000000, 0x7fffffffu, 0x80000000u, 0xffffffffu};
    static const uint32_t seconds[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu};
    static const uint32_t snaplens[] = {0, 64, 96, 65535, 262144, 262145, 0xffffffffu};
    for (size_t r = 0; r < 3; r++) {
        for (size_t i = 0; i < sizeof(caplens) / sizeof(caplens[0]); i++) {
            memcpy(buf, orig, len);
            put32(buf + off[r] + 8, caplens[i], big_endian);
            write_file(path, buf, len);
            ck_assert(compare_file(path));
            put32(buf + off[r] + 12, caplens[i] / 2, big_endian); /* wire shorter than captured */
            write_file(path, buf, len);
            ck_assert(compare_file(path));
        }
        for (size_t i = 0; i < sizeof(fractions) / sizeof(fractions[0]); i++) {
            memcpy(buf, orig, len);
            put32(buf + off[r] + 4, fractions[i], big_endian);
            put32(buf + off[r], seconds[i % (sizeof(seconds) / sizeof(seconds[0]))], big_endian);
            write_file(path, buf, len);
            ck_assert(compare_file(path));
        }
    }
    /* The snapshot length in the file header, with records longer than it. */
    for (size_t i = 0; i < sizeof(snaplens) / sizeof(snaplens[0]); i++) {
        memcpy(buf, orig, len);
        put32(buf + 16, snaplens[i], big_endian);
        write_file(path, buf, len);
        compare_file(path); /* libpcap may refuse some; then nothing to compare */
    }
    /* Nanosecond resolution: the same records, fractions scaled down. */
    memcpy(buf, orig, len);
    put32(buf, 0xa1b23c4du, big_endian);
    write_file(path, buf, len);
    ck_assert(compare_file(path));
    for (size_t i = 0; i < sizeof(fractions) / sizeof(fractions[0]); i++) {
        put32(buf + off[1] + 4, fractions[i], big_endian);
        write_file(path, buf, len);
        ck_assert(compare_file(path));
    }
    /* Older versions, read as libpcap reads them (2.2 and DG/UX 543.0 with
     * caplen and len swapped, 2.3 with them swapped only where caplen >
     * len); and versions neither reads. */
    static const struct {
        uint16_t major, minor;
        bool is_read;
    } versions[] = {{2, 3, true},  {2, 2, true},  {2, 0, true},  {543, 0, true},
                    {1, 0, false}, {2, 5, false}, {3, 0, false}, {543, 1, false}};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        memcpy(buf, orig, len);
        buf[big_endian ? 4 : 5] = (uint8_t)(versions[i].major >> 8);
        buf[big_endian ? 5 : 4] = (uint8_t)versions[i].major;
        buf[big_endian ? 6 : 7] = (uint8_t)(versions[i].minor >> 8);
        buf[big_endian ? 7 : 6] = (uint8_t)versions[i].minor;
        write_file(path, buf, len);
        ck_assert_msg(compare_file(path) == versions[i].is_read, "version %u.%u", versions[i].major,
                      versions[i].minor);
    }
    unlink(path);
}
END_TEST

/* The other byte order: the same packets, every header field swapped. */
START_TEST(test_other_byte_order_reads_alike)
{
    static uint8_t buf[1 << 20];
    size_t len = load_sample(buf, sizeof(buf));
    bool big_endian = get32(buf, false) != 0xa1b2c3d4u && get32(buf, false) != 0xa1b23c4du;
    for (int i = 0; i < 24; i += 4) {
        if (i == 4) { /* two 16-bit fields */
            uint8_t t = buf[4];
            buf[4] = buf[5];
            buf[5] = t;
            t = buf[6];
            buf[6] = buf[7];
            buf[7] = t;
            continue;
        }
        put32(buf + i, get32(buf + i, big_endian), !big_endian);
    }
    size_t pos = 24;
    while (pos + 16 <= len) {
        uint32_t caplen = get32(buf + pos + 8, big_endian);
        for (int i = 0; i < 16; i += 4)
            put32(buf + pos + i, get32(buf + pos + i, big_endian), !big_endian);
        pos += 16 + caplen;
    }
    char path[] = "/tmp/check_reader_pcap_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    write_file(path, buf, len);
    ck_assert(compare_file(path));
    unlink(path);
}
END_TEST

/* Standard input redirected from a file whose header is not at its start:
 * the records from there on, as from the file alone. */
START_TEST(test_file_descriptor_read_from_an_offset)
{
    static uint8_t buf[(1 << 20) + 100];
    memset(buf, 0x5a, 100);
    size_t len = load_sample(buf + 100, sizeof(buf) - 100);
    char path[] = "/tmp/check_reader_pcap_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    write_file(path, buf + 100, len);
    struct outcome ref;
    uint32_t snapshot = 0;
    bool is_pcap = false;
    ck_assert(read_with_libpcap(path, &ref, &snapshot, &is_pcap));

    write_file(path, buf, len + 100);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    int saved_stdin = dup(STDIN_FILENO);
    ck_assert_int_ge(saved_stdin, 0);
    ck_assert_int_ge(dup2(fd, STDIN_FILENO), 0);
    close(fd);
    ck_assert_int_eq(lseek(STDIN_FILENO, 100, SEEK_SET), 100);
    char err[256];
    struct input *in = input_open("-", err, sizeof(err));
    ck_assert_ptr_nonnull(in);
    ck_assert(in->is_stable); /* mapped, from where standard input stood */
    struct outcome got;
    uint32_t got_snapshot = 0;
    ck_assert(read_input(in, &got_snapshot, &got));
    input_close(in);
    ck_assert_int_ge(dup2(saved_stdin, STDIN_FILENO), 0);
    close(saved_stdin);
    ck_assert_uint_eq(got.records, ref.records);
    ck_assert(got.digest == ref.digest);
    ck_assert_uint_eq(got_snapshot, snapshot);
    unlink(path);
}
END_TEST

START_TEST(test_what_cannot_be_read_is_an_error_at_open)
{
    char err[256] = "";
    ck_assert_ptr_null(input_open("/nonexistent/file.pcap", err, sizeof(err)));
    ck_assert_str_eq(err, "No such file or directory");
    ck_assert_ptr_null(input_open("/tmp", err, sizeof(err)));
    ck_assert_str_eq(err, "Is a directory");
    /* A character device is read, not mapped: empty. */
    struct input *in = input_open("/dev/null", err, sizeof(err));
    ck_assert_ptr_nonnull(in);
    ck_assert(!in->is_stable);
    struct reader_note note = {0};
    ck_assert_ptr_null(reader_pcap_open(in, &note));
    ck_assert_str_eq(note.text,
                     "truncated dump file; tried to read 24 file header bytes, only got 0");
    input_close(in);
}
END_TEST

static Suite *reader_pcap_suite(void)
{
    Suite *s = suite_create("reader_pcap");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_real_captures_read_alike);
    tcase_add_test(tc, test_damaged_files_read_alike);
    tcase_add_test(tc, test_other_byte_order_reads_alike);
    tcase_add_test(tc, test_file_descriptor_read_from_an_offset);
    tcase_add_test(tc, test_what_cannot_be_read_is_an_error_at_open);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(reader_pcap_suite());
}
