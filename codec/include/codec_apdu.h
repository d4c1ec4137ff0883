/* ISO/IEC 7816-4 command and response APDUs: decoded once, at the door. */
#ifndef CODEC_APDU_H
#define CODEC_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The seven command APDU cases of ISO/IEC 7816-4 clause 5.1. */
typedef enum codec_apdu_case {
    CODEC_CASE_1,  /* header only */
    CODEC_CASE_2S, /* header, Le (1 byte) */
    CODEC_CASE_3S, /* header, Lc (1 byte), data */
    CODEC_CASE_4S, /* header, Lc, data, Le */
    CODEC_CASE_2E, /* header, 00, Le (2 bytes) */
    CODEC_CASE_3E, /* header, 00, Lc (2 bytes), data */
    CODEC_CASE_4E, /* header, 00, Lc (2 bytes), data, Le (2 bytes) */
} codec_apdu_case;

/* Largest command APDU: 4 header + 3 Lc + 65535 data + 2 Le. */
#define CODEC_CAPDU_MAX (4 + 3 + 65535 + 2)

/* A validated command APDU. `data` points into the buffer that was decoded. */
typedef struct codec_capdu {
    uint8_t cla, ins, p1, p2;
    codec_apdu_case apdu_case;
    const uint8_t *data; /* NULL when lc == 0 */
    size_t lc;           /* Nc: number of data bytes, 0..65535 */
    size_t ne;           /* Ne: bytes expected; 0 = no Le field; Le=00 means 256 (short) or
                            65536 (extended) */
} codec_capdu;

/* Why a byte string is not a command APDU. Every failure maps to SW 6700 on a card. */
typedef enum codec_apdu_error {
    CODEC_APDU_OK = 0,
    CODEC_APDU_TOO_SHORT,  /* fewer than 4 bytes */
    CODEC_APDU_BAD_LENGTH, /* the length fields do not match the number of bytes */
    CODEC_APDU_ZERO_LC,    /* Lc present and zero (not allowed by 7816-4): extended Lc 0000,
                              or a 00 body byte followed by exactly one more byte */
} codec_apdu_error;

/* Decodes raw[0..len) as one command APDU. Returns CODEC_APDU_OK and fills *out, or an error
 * and leaves *out untouched. Never reads outside raw[0..len). */
codec_apdu_error codec_capdu_decode(const uint8_t *raw, size_t len, codec_capdu *out);

/* True for the extended-length cases 2E, 3E and 4E. */
bool codec_capdu_is_extended(const codec_capdu *apdu);

/* Encodes `apdu` (its apdu_case is ignored) into out: short form when lc <= 255 and ne <= 256,
 * otherwise extended, unless `force_extended` is set. Returns the encoded length, or 0 when it
 * does not fit in `cap` or lc > 65535 or ne > 65536 (or lc > 0 with data NULL). Case 1 (lc == 0,
 * ne == 0) is the 4-byte header in both forms. What the decoder accepts re-encodes to the same
 * bytes with force_extended = codec_capdu_is_extended(). */
size_t codec_capdu_encode(const codec_capdu *apdu, bool force_extended, uint8_t *out, size_t cap);

/* A short name of the case ("1", "2S", ...), for logs. */
const char *codec_apdu_case_name(codec_apdu_case c);

/* A response APDU split into data and status word. `data` points into the decoded buffer. */
typedef struct codec_rapdu {
    const uint8_t *data;
    size_t len;
    uint16_t sw;
} codec_rapdu;

/* Splits raw[0..len) into data and SW1-SW2; false when fewer than 2 bytes. */
bool codec_rapdu_decode(const uint8_t *raw, size_t len, codec_rapdu *out);

/* A short English meaning of a status word, e.g. "file or application not found" for 6A82.
 * Never NULL. */
const char *codec_sw_describe(uint16_t sw);

#endif
