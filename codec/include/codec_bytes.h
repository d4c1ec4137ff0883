/* Bounded byte reader and writer: every parse in the project goes through these. */
#ifndef CODEC_BYTES_H
#define CODEC_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A cursor over bytes the caller owns. The cursor moves only when a read succeeds. */
typedef struct codec_reader {
    const uint8_t *data;
    size_t len;
    size_t off;
} codec_reader;

/* Starts a reader over data[0..len). */
void codec_reader_init(codec_reader *r, const uint8_t *data, size_t len);

/* Bytes not yet read. */
size_t codec_reader_remaining(const codec_reader *r);

/* Reads one byte; false (cursor unchanged) when none is left. */
bool codec_read_u8(codec_reader *r, uint8_t *out);

/* Reads a big-endian 16-bit value; false when fewer than 2 bytes are left. */
bool codec_read_u16be(codec_reader *r, uint16_t *out);

/* Points *out at the next n bytes and skips them; false when fewer than n are left. */
bool codec_read_bytes(codec_reader *r, size_t n, const uint8_t **out);

/* An output buffer with a fixed capacity. A write that does not fit writes nothing and sets
 * `overflow`, so a caller may write a whole structure and check once at the end. `overflow` is
 * sticky: once set, every later write fails too, so data[0..len) stays a prefix of the intended
 * output. */
typedef struct codec_writer {
    uint8_t *data;
    size_t cap;
    size_t len;
    bool overflow;
} codec_writer;

/* Starts a writer over buf[0..cap). */
void codec_writer_init(codec_writer *w, uint8_t *buf, size_t cap);

/* Appends one byte; false on overflow. */
bool codec_write_u8(codec_writer *w, uint8_t v);

/* Appends a big-endian 16-bit value; false on overflow. */
bool codec_write_u16be(codec_writer *w, uint16_t v);

/* Appends n bytes (src may be NULL when n is 0); false on overflow. */
bool codec_write_bytes(codec_writer *w, const uint8_t *src, size_t n);

/* Parses hexadecimal text (upper or lower case; spaces, tabs, newlines and ':' between byte
 * pairs are ignored) into out[0..cap). On success returns true and sets *out_len. On failure
 * returns false and sets *err_pos to the offset in `text` of the offending character (or of the
 * odd trailing digit, or of the first byte that did not fit). */
bool codec_hex_decode(const char *text, size_t text_len, uint8_t *out, size_t cap, size_t *out_len,
                      size_t *err_pos);

/* The value 0..15 of a hexadecimal digit (either case), or -1 for any other character. */
int codec_hex_digit(int c);

/* Writes `len` bytes as upper-case hex with a space between bytes into out (NUL-terminated,
 * truncated to fit `cap`). Returns the number of characters the full text needs, excluding NUL. */
size_t codec_hex_encode(const uint8_t *data, size_t len, char *out, size_t cap);

#endif
