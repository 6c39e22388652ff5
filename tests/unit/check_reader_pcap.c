/*
 * The in-place pcap reader against libpcap: for every capture in
 * capture-samples/ (and the shared corpus when it is there) and for
 * damaged files made here from one of them, both readers must hand out the
 * same records (times, lengths, bytes) and stop the same way, with the
 * same message. libpcap is the reference; savefile.c must never know more
 * or less than it.
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

/* Returns false if libpcap cannot open the file at all (then savefile.c is
 * never asked to). */
static bool read_with_libpcap(const char *path, struct outcome *out, uint32_t *snapshot,
                              bool *is_mappable)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    memset(out, 0, sizeof(*out));
    out->digest = 0xcbf29ce484222325ULL;
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (p == NULL)
        return false;
    *snapshot = (uint32_t)pcap_snapshot(p);
    *is_mappable = pcap_major_version(p) == 2 && pcap_minor_version(p) == 4;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        out->records++;
        out->digest = mix_record(out->digest, (int64_t)hdr->ts.tv_sec, (int64_t)hdr->ts.tv_usec,
                                 hdr->caplen, hdr->len, data);
    }
    if (rc != PCAP_ERROR_BREAK) {
        out->is_error = true;
        snprintf(out->error, sizeof(out->error), "%s", pcap_geterr(p));
    }
    pcap_close(p);
    return true;
}

/* Returns false if savefile.c declines the file. */
static bool read_with_savefile(const char *path, uint32_t snapshot, struct outcome *out)
{
    memset(out, 0, sizeof(*out));
    out->digest = 0xcbf29ce484222325ULL;
    struct savefile *sf = savefile_open(path, snapshot);
    if (sf == NULL)
        return false;
    struct savefile_record rec;
    enum savefile_status status;
    while ((status = savefile_next(sf, &rec)) == SAVEFILE_PACKET) {
        out->records++;
        out->digest =
            mix_record(out->digest, rec.ts_sec, rec.ts_usec, rec.caplen, rec.wirelen, rec.data);
    }
    if (status == SAVEFILE_ERROR) {
        out->is_error = true;
        snprintf(out->error, sizeof(out->error), "%s", savefile_error(sf));
    }
    savefile_close(sf);
    return true;
}

/* Both readers on one file; returns true if savefile.c read it. */
static bool compare_file(const char *path)
{
    struct outcome ref;
    struct outcome got;
    uint32_t snapshot = 0;
    bool is_mappable = false;
    if (!read_with_libpcap(path, &ref, &snapshot, &is_mappable))
        return false;
    if (!read_with_savefile(path, snapshot, &got)) {
        /* Declining is allowed only for what it is documented to decline. */
        ck_assert_msg(!is_mappable || ref.records == 0, "%s: pcap 2.4 declined", path);
        return false;
    }
    ck_assert_msg(is_mappable, "%s: read a file that is not pcap 2.4", path);
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

    char path[] = "/tmp/check_savefile_XXXXXX";
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
    /* Other versions are left to libpcap (their records may differ). */
    memcpy(buf, orig, len);
    buf[big_endian ? 7 : 6] = 3;
    write_file(path, buf, len);
    ck_assert(!compare_file(path));
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
    char path[] = "/tmp/check_savefile_XXXXXX";
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
    char path[] = "/tmp/check_savefile_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    write_file(path, buf + 100, len);
    struct outcome ref;
    uint32_t snapshot = 0;
    bool is_mappable = false;
    ck_assert(read_with_libpcap(path, &ref, &snapshot, &is_mappable));

    write_file(path, buf, len + 100);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_ptr_null(savefile_open_fd(fd, 99, snapshot)); /* no header there */
    struct savefile *sf = savefile_open_fd(fd, 100, snapshot);
    close(fd); /* the mapping outlives the descriptor */
    ck_assert_ptr_nonnull(sf);
    struct outcome got = {.digest = 0xcbf29ce484222325ULL};
    struct savefile_record rec;
    while (savefile_next(sf, &rec) == SAVEFILE_PACKET) {
        got.records++;
        got.digest =
            mix_record(got.digest, rec.ts_sec, rec.ts_usec, rec.caplen, rec.wirelen, rec.data);
    }
    savefile_close(sf);
    ck_assert_uint_eq(got.records, ref.records);
    ck_assert(got.digest == ref.digest);
    unlink(path);
}
END_TEST

START_TEST(test_not_a_regular_file_is_declined)
{
    ck_assert_ptr_null(savefile_open("/dev/null", 65535));
    ck_assert_ptr_null(savefile_open("/nonexistent/file.pcap", 65535));
    ck_assert_ptr_null(savefile_open("/tmp", 65535));
}
END_TEST

static Suite *savefile_suite(void)
{
    Suite *s = suite_create("savefile");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_real_captures_read_alike);
    tcase_add_test(tc, test_damaged_files_read_alike);
    tcase_add_test(tc, test_other_byte_order_reads_alike);
    tcase_add_test(tc, test_file_descriptor_read_from_an_offset);
    tcase_add_test(tc, test_not_a_regular_file_is_declined);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(savefile_suite());
}
