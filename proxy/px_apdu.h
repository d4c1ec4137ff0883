/* The APDU engine: command encoding (codec), 61xx/6Cxx handling, SELECT and READ BINARY.
 * Every function expects the connection locked (px_handle_enter). */
#ifndef PX_APDU_H
#define PX_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_apdu.h"
#include "px_handle.h"

/* Rounds of GET RESPONSE after 61xx, and re-sends after 6Cxx, before the engine gives up. */
#define PX_MAX_GET_RESPONSE 300
#define PX_MAX_WRONG_LE 2
/* Largest offset READ BINARY (B0) can address. */
#define PX_READ_BINARY_MAX_OFFSET 0x7FFF

/* Size value meaning "the device did not say". */
#define PX_SIZE_UNKNOWN ((size_t)-1)

/* Brackets the APDUs of one API call with the transport's transaction (when it has one).
 * px_apdu_end is a no-op when begin failed or was never called. */
isoIec23465_Status px_apdu_begin(px_conn *c);
void px_apdu_end(px_conn *c);

/* Sends `cmd`, following 61xx with GET RESPONSE and 6Cxx with a re-send of the same command
 * with Le = xx (each bounded). On success *data and *len are the whole response data (in
 * conn->abuf, valid until the next exchange) and *sw the final status word, which may be any
 * value: the caller maps it. Errors: CommunicationError (transport, response shorter than two
 * bytes), SecurityDeviceError (response chain longer than 65536 bytes). */
isoIec23465_Status px_apdu_exchange(px_conn *c, const codec_capdu *cmd, const uint8_t **data,
                                    size_t *len, uint16_t *sw);

/* SELECT by DF name (00 A4 04 0C Lc AID). Errors as px_apdu_exchange plus the SW mapping
 * (6A82: ObjectNotFound). */
isoIec23465_Status px_apdu_select_aid(px_conn *c, const uint8_t *aid, size_t aid_len);

/* SELECT by DF name as a question: *found is true when the device answered 9000, false for any
 * other status word. Returns an error only when no status word came (errors of
 * px_apdu_exchange), so a broken link is not mistaken for "no such application". */
isoIec23465_Status px_apdu_probe_aid(px_conn *c, const uint8_t *aid, size_t aid_len, bool *found);

/* Selects the file of a description object: by path from the MF (00 A4 08 04), or SELECT by AID
 * of its application and then 00 A4 02 04 (one FID) or 00 A4 09 04 (a path). Asks for the FCP and
 * falls back to no response data (P2 0C) when the card refuses P2 04 (6A86 or 6A81).
 * *size receives the data size from FCP tag 80 (or 81), or PX_SIZE_UNKNOWN. */
isoIec23465_Status px_apdu_select_obj(px_conn *c, const px_desc_obj *o, size_t *size);

/* READ BINARY of [offset, offset + length) into out, in chunks of at most c->max_le bytes.
 * With `to_eof`, a short answer, 6282, or 6B00 after some data, ends the read early; without
 * it, the read continues until `length` bytes came. *got receives the number of bytes read.
 * Errors: FunctionNotImplemented (offset beyond 32767), the SW mapping, SecurityDeviceError
 * (device answered more than asked, or no data with 9000). */
isoIec23465_Status px_apdu_read_binary(px_conn *c, size_t offset, size_t length, bool to_eof,
                                       uint8_t *out, size_t *got);

/* The data size in an FCP (62) or FCI (6F) template: tag 80, else 81. False when absent or
 * malformed. Exposed for tests. */
bool px_apdu_fcp_size(const uint8_t *fcp, size_t len, size_t *size);

#endif
