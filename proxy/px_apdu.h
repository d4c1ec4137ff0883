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

/* Data bytes of one piece of a chained command (CLA b5, ISO/IEC 7816-4 5.3.3). */
#define PX_CHAIN_PIECE 255
/* Highest logical channel number (ISO/IEC 7816-4: 0-3 first, 4-19 further interindustry). */
#define PX_MAX_CHANNEL 19

/* Size value meaning "the device did not say". */
#define PX_SIZE_UNKNOWN ((size_t)-1)

/* Brackets the APDUs of one API call with the transport's transaction (when it has one).
 * px_apdu_end is a no-op for the transaction when begin failed or was never called; it always
 * gives back a response buffer grown beyond PX_RBUF_KEEP (px_conn_trim), so response data from
 * px_apdu_exchange must be used or copied before it. */
isoIec23465_Status px_apdu_begin(px_conn *c);
void px_apdu_end(px_conn *c);

/* Sends `cmd`, following 61xx with GET RESPONSE and 6Cxx with a re-send of the same command
 * with Le = xx (each bounded). On success *data and *len are the whole response data (in
 * conn->rbuf, valid until the next exchange, px_apdu_end or px_handle_leave) and *sw the final
 * status word, which may be any value: the caller maps it.
 * The class byte gets the connection's logical channel (c->channel, see px_apdu_cla); give CLA
 * 00 (or with secure-messaging bits) and leave the channel and chaining bits to the engine.
 * Long commands: with more than 255 data bytes, a connection using extended length (c->ext)
 * sends extended Lc, up to px_apdu_max_lc; beyond that, when the device chains
 * (px_apdu_can_chain), the data goes in pieces of 255 bytes (fewer when px_apdu_max_lc is
 * smaller) with CLA b5 set on all but the last (each must answer 9000, else that answer is the
 * result). Without extended length Ne is limited to 256 (the rest comes through 61xx).
 * Errors: FunctionNotImplemented (more data than px_apdu_max_lc and no chaining; no APDU
 * sent), IllegalArgument (command not encodable), NotEnoughMemory,
 * CommunicationError (transport, response shorter than two bytes or longer than asked),
 * SecurityDeviceError (response chain longer than 65536 bytes). */
isoIec23465_Status px_apdu_exchange(px_conn *c, const codec_capdu *cmd, const uint8_t **data,
                                    size_t *len, uint16_t *sw);

/* The class byte `cla` (first or further interindustry layout, or proprietary 8x/Cx) moved to
 * logical channel `channel` (0..19), with the chaining bit b5 set when `chained`; secure
 * messaging bits are kept. FF is returned unchanged. */
uint8_t px_apdu_cla(uint8_t cla, uint8_t channel, bool chained);

/* True when the device accepts command chaining: the ATR's card capabilities say so
 * (c->info.chaining). */
bool px_apdu_can_chain(const px_conn *c);

/* Largest data field (Lc) of one command on this connection: 255 without extended length;
 * with it 65535, or what EF.ATR/INFO's largest command APDU (c->info.max_command) leaves after
 * a header, a 3-byte Lc and a 2-byte Le. Longer data is chained (or refused). */
size_t px_apdu_max_lc(const px_conn *c);

/* Makes `channel` the connection's channel for the following commands; returns the previous one
 * so the caller can put it back (px_handle_enter sets it from the handle for each call). */
uint8_t px_apdu_use_channel(px_conn *c, uint8_t channel);

/* MANAGE CHANNEL open (00 70 00 00 01, on the basic channel, the card assigns the number):
 * *channel receives the new channel (1..19). Errors: FunctionNotImplemented (the device offers
 * one channel only: c->info.logical_channels <= 1; no APDU sent), the SW mapping (e.g. 6881,
 * 6A81 when all channels are in use), SecurityDeviceError (answer is not one byte naming a
 * channel the device offers; the channel is closed again), errors of px_apdu_exchange. */
isoIec23465_Status px_apdu_channel_open(px_conn *c, uint8_t *channel);

/* MANAGE CHANNEL close (00 70 80 nn, sent on the basic channel). Errors: IllegalArgument
 * (channel 0 or above 19; no APDU), the SW mapping, errors of px_apdu_exchange. */
isoIec23465_Status px_apdu_channel_close(px_conn *c, uint8_t channel);

/* Opens an application for SecurityDeviceApplication handles: when the device offers logical
 * channels, opens one (px_apdu_channel_open) and SELECTs `aid` on it (00 A4 04 0C on that
 * channel); when it offers none or refuses with a status word, SELECTs on the basic channel and
 * *channel is 0. When the SELECT fails the channel is closed again (00 70 80 nn) and the SELECT's
 * error is returned. The connection's current channel is unchanged. Errors: those of
 * px_apdu_select_aid; CommunicationError / NotEnoughMemory from the MANAGE CHANNEL. */
isoIec23465_Status px_apdu_open_app(px_conn *c, const uint8_t *aid, size_t aid_len,
                                    uint8_t *channel);

/* Closes (00 70 80 nn each) the logical channels owned by `h` and the handles under it
 * (px_handle_channels), before they are released: call it with the connection locked, then
 * px_handle_free(h). Best effort: a channel that does not close is left to the card's reset; the
 * caller's error details are kept. Opens and ends its own transaction when none is open. */
void px_apdu_release_channels(px_conn *c, const isoIec23465_Handle *h);

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

/* The same SELECT, giving the FCP itself: *fcp and *fcp_len (the engine's buffer, valid until
 * the next exchange; empty when the card answered without one). */
isoIec23465_Status px_apdu_select_obj_fcp(px_conn *c, const px_desc_obj *o, const uint8_t **fcp,
                                          size_t *fcp_len);

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
