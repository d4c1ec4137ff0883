/* BER-TLV tags and definite lengths (ISO/IEC 7816-4 clause 5.2) over codec_reader / codec_writer.
 */
#ifndef CODEC_TLV_H
#define CODEC_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_bytes.h"

/* Reads a tag of 1..3 bytes into *tag (the tag bytes big-endian, e.g. 0x5F2D). A first byte 00 or
 * FF (padding, not a tag) and tags longer than 3 bytes are refused. False leaves the cursor and
 * *tag unchanged. */
bool codec_ber_read_tag(codec_reader *r, uint32_t *tag);

/* Reads a definite length: 00..7F, 81 xx or 82 xxxx (non-minimal forms such as 81 05 are
 * accepted). 80 (indefinite), 83 and longer forms, and truncated forms are refused. False leaves
 * the cursor and *len unchanged. */
bool codec_ber_read_length(codec_reader *r, size_t *len);

/* Reads one whole TLV: its tag, its length and a pointer to its value, which must fit in what
 * remains of r. False leaves the cursor and the outputs unchanged. */
bool codec_ber_read_tlv(codec_reader *r, uint32_t *tag, const uint8_t **value, size_t *len);

/* Writes a tag as 1..3 big-endian bytes (as many as its value needs). A tag of 0 or above
 * 0xFFFFFF writes nothing, sets w->overflow and returns false; otherwise as codec_write_bytes. */
bool codec_ber_write_tag(codec_writer *w, uint32_t tag);

/* Writes a definite length in its shortest form (00..7F, 81 xx, 82 xxxx). A length above 65535
 * writes nothing, sets w->overflow and returns false; otherwise as codec_write_bytes. */
bool codec_ber_write_length(codec_writer *w, size_t len);

#endif
