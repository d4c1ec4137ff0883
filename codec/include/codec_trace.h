/* APDU traces ("sdtrace 1" text format, docs/trace.md): parse, format, mask secrets, match.
 *
 * A trace is text, one exchange per entry, diffable and readable in a terminal:
 *
 *     # sdtrace 1
 *     # atr: 3B 8A 80 01 ...
 *     @0.000120 ch0 0.412ms
 *     > 00 A4 04 00 07 A0 00 00 03 97 42 54 00
 *     < 6F 10 84 07 A0 00 00 03 97 42 54 90 00
 *     @0.000990 ch0 0.300ms
 *     > 00 20 00 81 08 ** ** ** ** ** ** ** **
 *     < 90 00
 *
 * In a command or response, `??` is a declared wildcard (matches any byte: challenges and other
 * non-deterministic fields) and `**` a masked secret (matches any byte too; what the recorder
 * wrote instead of VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER data).
 *
 * The codec does no I/O: recorders format an entry into a buffer with
 * codec_trace_format_header() / codec_trace_format_entry() and write it themselves; readers load
 * the file into memory and call codec_trace_parse(). Everything is bounded by the limits below.
 */
#ifndef CODEC_TRACE_H
#define CODEC_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Format version written in the first line ("# sdtrace 1"). */
#define CODEC_TRACE_VERSION 1
/* Limits a parsed trace must respect (a longer trace is refused, with the line). */
#define CODEC_TRACE_MAX_ENTRIES 200000u
#define CODEC_TRACE_MAX_TEXT (256u * 1024u * 1024u)
/* Largest command: 4 header + 3 Lc + 65535 data + 2 Le (as CODEC_CAPDU_MAX). */
#define CODEC_TRACE_CMD_MAX (4 + 3 + 65535 + 2)
/* Largest response: 65536 data + SW1 SW2. */
#define CODEC_TRACE_RESP_MAX (65536 + 2)
#define CODEC_TRACE_ATR_MAX 33
/* Largest text of one formatted entry, a safe buffer size for codec_trace_format_entry(). */
#define CODEC_TRACE_ENTRY_TEXT_MAX (64 + 3 * (CODEC_TRACE_CMD_MAX + CODEC_TRACE_RESP_MAX) + 8)
/* Largest text of the header written by codec_trace_format_header() (without comment). */
#define CODEC_TRACE_HEADER_TEXT_MAX (32 + 3 * CODEC_TRACE_ATR_MAX)

/* What one byte of a parsed command or response is: a value, `??` or `**`. */
enum {
    CODEC_TRACE_BYTE = 0,   /* a literal byte */
    CODEC_TRACE_WILD = 1,   /* `??`: declared wildcard */
    CODEC_TRACE_SECRET = 2, /* `**`: masked secret */
};

/* Flags of codec_trace_format_entry(). */
enum {
    /* Write VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER data as it is instead of `**`.
     * Only when a user explicitly asks (sdemu --trace-secrets, SDPROXY_TRACE_SECRETS=keep). */
    CODEC_TRACE_KEEP_SECRETS = 1u << 0,
};

/* One exchange. In a parsed trace every pointer points into the trace (valid until
 * codec_trace_free); the `*_kind` arrays hold one CODEC_TRACE_BYTE/WILD/SECRET per byte and
 * wildcard/secret bytes hold 00 in `cmd`/`resp`. When formatting, `*_kind` may be NULL (all
 * literal). */
typedef struct codec_trace_entry {
    size_t line;          /* line of the '@' line in the source; 0 when not parsed */
    uint64_t time_us;     /* microseconds since the start of the trace */
    uint64_t duration_us; /* microseconds between command sent and response received */
    unsigned channel;     /* logical channel (codec_trace_channel of the CLA), 0..19 */
    const uint8_t *cmd;
    const uint8_t *cmd_kind;
    size_t cmd_len; /* 1..CODEC_TRACE_CMD_MAX */
    const uint8_t *resp;
    const uint8_t *resp_kind;
    size_t resp_len; /* 2..CODEC_TRACE_RESP_MAX */
} codec_trace_entry;

/* A parsed trace (opaque). */
typedef struct codec_trace codec_trace;

/* Why a text is not a trace: the 1-based line and a reason. Print as "<file>:<line>: <reason>". */
typedef struct codec_trace_error {
    size_t line;
    char reason[160];
} codec_trace_error;

/* Parses text[0..len) (need not be NUL-terminated). Returns a trace or NULL with *err filled
 * (line 0 with reason "out of memory" when allocation fails). Refuses: a first line other than
 * "# sdtrace 1", a malformed "# atr:" line, an entry line that is not `@`, `>` or `<` in that
 * order, bad hex, a command shorter than 1 or response shorter than 2 bytes, anything over the
 * limits above. Lines starting with '#' after the first are comments; so is the rest of a line
 * after '#'; blank lines are ignored. */
codec_trace *codec_trace_parse(const char *text, size_t len, codec_trace_error *err);

/* Reads up to n bytes into buf; returns how many, 0 at the end (or on a read error). */
typedef size_t (*codec_trace_read_fn)(void *ctx, char *buf, size_t n);

/* Reads a whole trace through read(ctx, ...) (the caller does the I/O, e.g. fread on a FILE)
 * into a buffer bounded by CODEC_TRACE_MAX_TEXT and parses it as codec_trace_parse does. A
 * longer text is refused (line 1). */
codec_trace *codec_trace_read(codec_trace_read_fn read, void *ctx, codec_trace_error *err);

/* Formats a parse error as "<name>:<line>: <reason>" (just "<name>: <reason>" for line 0) into
 * out[0..cap) (NUL-terminated, truncated). Returns the characters the full text needs. */
size_t codec_trace_error_format(const codec_trace_error *err, const char *name, char *out,
                                size_t cap);

/* Frees a trace; NULL is allowed. */
void codec_trace_free(codec_trace *t);

/* Number of entries. */
size_t codec_trace_count(const codec_trace *t);

/* Entry i (0-based), or NULL when i >= count. */
const codec_trace_entry *codec_trace_get(const codec_trace *t, size_t i);

/* The ATR from the "# atr:" header line, or NULL (*len = 0) when the trace has none. */
const uint8_t *codec_trace_atr(const codec_trace *t, size_t *len);

/* The logical channel a CLA byte addresses (ISO 7816-4 5.4.1): 0..3 for first-interindustry
 * CLA, 4..19 for further-interindustry CLA (bit 7 set), 0 for proprietary CLA (bit 8 set). */
unsigned codec_trace_channel(uint8_t cla);

/* Marks in kind[0..len) (CODEC_TRACE_BYTE or CODEC_TRACE_SECRET) which bytes of cmd[0..len)
 * are a secret: the command data of VERIFY (20, 21), CHANGE REFERENCE DATA (24), RESET RETRY
 * COUNTER (2C) and ENABLE / DISABLE VERIFICATION REQUIREMENT (28, 26), for any CLA. A command that
 * does not decode as an APDU is left unmasked except for these INS, where everything after the
 * header is masked. Returns the number masked. */
size_t codec_trace_mask(const uint8_t *cmd, size_t len, uint8_t *kind);

/* Formats "# sdtrace 1\n# atr: <hex>\n" (no atr line when atr_len is 0) into out[0..cap)
 * (NUL-terminated, truncated to fit). Returns the characters the full text needs, without
 * the NUL. */
size_t codec_trace_format_header(const uint8_t *atr, size_t atr_len, char *out, size_t cap);

/* Formats one entry as its three lines ("@...\n> ...\n< ...\n") into out[0..cap)
 * (NUL-terminated, truncated to fit); masks secrets in the command unless
 * CODEC_TRACE_KEEP_SECRETS is in flags. Kinds already present in e->cmd_kind / e->resp_kind
 * (`??`, `**`) are written as such. Returns the characters the full text needs, without NUL. */
size_t codec_trace_format_entry(const codec_trace_entry *e, unsigned flags, char *out, size_t cap);

/* Formats bytes with their kinds (kind may be NULL) as "00 ?? **" into out (NUL-terminated,
 * truncated). Returns the characters the full text needs, without the NUL. */
size_t codec_trace_format_bytes(const uint8_t *b, const uint8_t *kind, size_t len, char *out,
                                size_t cap);

/* Compares two byte strings with kinds (either kind array may be NULL): equal lengths and every
 * byte equal or wildcard/secret on either side. On a mismatch returns false and sets
 * *first_diff (may be NULL) to the first differing index (the shorter length when only the
 * lengths differ). */
bool codec_trace_bytes_match(const uint8_t *a, const uint8_t *a_kind, size_t a_len,
                             const uint8_t *b, const uint8_t *b_kind, size_t b_len,
                             size_t *first_diff);

/* True when the command cmd[0..len) matches entry e's command (exact or through its
 * wildcards/secrets); *first_diff as in codec_trace_bytes_match. */
bool codec_trace_match_command(const codec_trace_entry *e, const uint8_t *cmd, size_t len,
                               size_t *first_diff);

#endif
