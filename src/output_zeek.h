/*
 * Zeek's conn.log for the flows: the TSV form Zeek's ASCII writer makes
 * (#separator ... #fields, #types header lines, one tab-separated line per
 * flow, #close at the end), or Zeek's JSON form (one object per line,
 * unset fields left out). Zeek's fields, in Zeek's order from ts through
 * ip_proto, then tcpverdict's own: flow_id, verdict, anomalies,
 * winsock_orig, winsock_resp, hint.
 *
 * Zeek fields tcpverdict does not measure are unset ("-"): orig_ip_bytes
 * and resp_ip_bytes always; missed_bytes when the history shows a content
 * gap (without one it is 0, as in Zeek). uid is derived from the flow's
 * id, time and addresses, so a flow keeps its uid from run to run.
 *
 * A flow record is formatted for the caller, who writes it with
 * output_zeek_write_flow() once its turn has come, as output_text.h
 * describes; the header goes out before the first record.
 */
#ifndef TV_OUTPUT_ZEEK_H
#define TV_OUTPUT_ZEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink_file.h"
#include "tcpverdict.h"

enum output_zeek_status {
    OUTPUT_ZEEK_OK = 0,
    OUTPUT_ZEEK_ERR_NOMEM,
};

enum output_zeek_form {
    OUTPUT_ZEEK_TSV = 0,
    OUTPUT_ZEEK_JSON,
};

struct output_zeek;

/* Borrows out. open_time is the log's #open time, seconds since the
 * epoch (Zeek writes the time the log was opened). NULL if memory is
 * short. */
struct output_zeek *output_zeek_create(struct sink_file *out, enum output_zeek_form form,
                                       int64_t open_time);
struct output_zeek *output_zeek_fork(struct output_zeek *zeek);
void output_zeek_destroy(struct output_zeek *zeek);

/* Formats v: *bytes, *len bytes, valid until the next call on zeek. */
enum output_zeek_status output_zeek_flow(struct output_zeek *zeek, const struct tv_verdict *v,
                                         const char **bytes, size_t *len);

/* Writes a formatted flow record, after the header if it is the first.
 * Safe from any thread, on the original or a fork. */
void output_zeek_write_flow(struct output_zeek *zeek, const char *bytes, size_t len);

/* The end of the log: the header if no flow wrote it, then #close with
 * close_time (TSV; nothing for JSON). */
enum output_zeek_status output_zeek_close(struct output_zeek *zeek, int64_t close_time);

/* Zeek's uid for a flow: "C" and 17 base-62 digits, 18 bytes and a NUL. */
#define OUTPUT_ZEEK_UID_LEN 19
void output_zeek_uid(const struct tv_verdict *v, char uid[OUTPUT_ZEEK_UID_LEN]);

/* Zeek's default Site::local_nets: the address is in private or special
 * address space. */
bool output_zeek_is_local(uint8_t family, const uint8_t *addr);

#endif
