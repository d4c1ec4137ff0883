/* EF.ATR/INFO (ISO/IEC 7816-4, file 2F01 under the MF): the interindustry data objects a card
 * keeps beside its ATR when the historical bytes are too short, read at connect when the
 * historical bytes announce the file. */
#ifndef PX_EFATR_H
#define PX_EFATR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "px_handle.h"

/* Most bytes of EF.ATR/INFO read; a longer file is cut there (and usually refused by the parser
 * for its truncated last object). */
#define PX_EFATR_MAX 1024

/* Smallest and largest plausible extended length information (7F66): a short command APDU
 * (4 + 1 + 255 + 1) and a short response (256 + SW) always fit; the largest extended forms. */
#define PX_EFATR_MIN_COMMAND 261
#define PX_EFATR_MAX_COMMAND 65544
#define PX_EFATR_MIN_RESPONSE 258
#define PX_EFATR_MAX_RESPONSE 65538

typedef struct px_efatr_info {
    int extended_length;  /* card capabilities (47), third byte b7: -1 not said, 0 no, 1 yes */
    int chaining;         /* card capabilities, third byte b8: -1 not said */
    int logical_channels; /* card capabilities, third byte b5-b1: -1 not said, else 1..8 */
    size_t max_command;   /* extended length information (7F66): bytes of a command APDU; 0 */
    size_t max_response;  /* bytes of a response APDU, SW1 SW2 included; 0 not said */
} px_efatr_info;

/* Parses the content of EF.ATR/INFO: BER-TLV data objects, then optional padding (00 or FF
 * bytes to the end). Card capabilities (47, at least 3 bytes) and extended length information
 * (7F66: two or more INTEGERs 02, the first two being the command and response limits, each
 * within the PX_EFATR_* bounds) are taken; other objects are skipped. False when the content is
 * not well formed (truncated object, bad length, a 7F66 that is not a list of INTEGERs or whose
 * values are out of bounds, anything but padding after the objects); *out is then untouched. */
bool px_efatr_parse(const uint8_t *data, size_t len, px_efatr_info *out);

/* Reads EF.ATR/INFO from the device (00 A4 08 0C 02 2F 01, then READ BINARY to the end of the
 * file, at most PX_EFATR_MAX bytes, in short APDUs) and parses it. *found is true when the file
 * was read and is well formed; a status word refusing the SELECT or the READ, or a malformed
 * content, leave it false and are not errors (the ATR's capabilities then stand). Call with the
 * connection locked, before the transport parameters are chosen. Errors: CommunicationError and
 * NotEnoughMemory from the exchanges (a broken link is not "no EF.ATR"). */
isoIec23465_Status px_efatr_read(px_conn *c, px_efatr_info *out, bool *found);

#endif
