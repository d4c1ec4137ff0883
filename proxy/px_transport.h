/* The transport seam: the proxy talks to a device only through these operations. Backends:
 * pcsc: (px_transport_pcsc.c), emu: (px_transport_emu.c, in-process libsdemu), and a scripted
 * fake for tests and fuzzing (px_transport_fake.c). */
#ifndef PX_TRANSPORT_H
#define PX_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isoiec23465.h"

/* Largest response frame a backend returns: 65536 data bytes + SW1 SW2. */
#define PX_RESPONSE_MAX (65536 + 2)
#define PX_ATR_MAX 33

typedef struct px_transport_ops {
    /* Sends one command APDU; writes the response (data || SW1 SW2) into resp[0..cap) and its
     * length into *resp_len. A response shorter than 2 bytes is the caller's problem to refuse.
     * Failures: CommunicationError (with details set through px_error_set). Must be bounded in
     * time. */
    isoIec23465_Status (*transmit)(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                                   size_t cap, size_t *resp_len);
    /* Warm reset of the device. */
    isoIec23465_Status (*reset)(void *ctx);
    /* The ATR (at most PX_ATR_MAX bytes). */
    isoIec23465_Status (*atr)(void *ctx, uint8_t *atr, size_t cap, size_t *len);
    /* Optional (NULL when the device has no other users): exclusive access for one API call,
     * so that another client cannot move the card's current file between our APDUs. begin is
     * bounded in time; end never blocks. */
    isoIec23465_Status (*begin)(void *ctx);
    void (*end)(void *ctx);
    /* Frees the backend; must not block on a device that stopped answering. */
    void (*close)(void *ctx);
} px_transport_ops;

typedef struct px_transport {
    const px_transport_ops *ops;
    void *ctx;
} px_transport;

/* Opens "pcsc:" on `reader` (SCardConnect shared, T=0|T=1). Errors: SecurityDeviceNotFound,
 * CommunicationError. */
isoIec23465_Status px_transport_pcsc_open(const char *reader, px_transport *out);

/* Opens "emu:" with the profile at `path`. Errors: SecurityDeviceNotFound (profile not
 * loadable), FunctionNotImplemented (built without libsdemu). */
isoIec23465_Status px_transport_emu_open(const char *path, px_transport *out);

/* Loads the profile at `path` only to read its ATR (for device lists). Errors as
 * px_transport_emu_open. */
isoIec23465_Status px_transport_emu_probe(const char *path, uint8_t *atr, size_t cap, size_t *len);

/* A fake device: `script` is a sequence of length-prefixed frames (2-byte big-endian length,
 * then bytes); the first frame is the ATR, each further one answers one command. When the
 * script is exhausted or malformed, transmit fails with CommunicationError. The script is
 * copied. */
isoIec23465_Status px_transport_fake_open(const uint8_t *script, size_t len, px_transport *out);

/* Number of commands the fake transport received (for tests), and a copy of the last one. */
size_t px_transport_fake_count(const px_transport *t);
size_t px_transport_fake_last(const px_transport *t, uint8_t *buf, size_t cap);

/* One PC/SC reader holding a card, as listed by px_transport_pcsc_list. */
typedef struct px_pcsc_reader {
    char name[256];
    uint8_t atr[PX_ATR_MAX];
    size_t atr_len;
    isoIec23465_Presence presence;
} px_pcsc_reader;

/* Lists the readers holding a card (all, or only the one named `only` when not NULL) through
 * SCardListReaders and SCardGetStatusChange (timeout 0), on a thread of its own that the caller
 * waits for at most SDPROXY_TIMEOUT_MS (default 20000). No PC/SC service or no reader gives an
 * empty list. *out is malloc'ed (NULL when *count is 0). Errors: CommunicationError (also when
 * pcscd does not answer in time), NotEnoughMemory. */
isoIec23465_Status px_transport_pcsc_list(const char *only, px_pcsc_reader **out, size_t *count);

/* Recording decorator (px_transport_record.c): wraps *t in place so that every exchange is
 * written to the trace file `path` (truncated; "sdtrace 1" format, docs/trace.md), secrets
 * masked unless keep_secrets. The wrapper owns the inner transport (close closes both).
 * Errors: CommunicationError (file not writable), NotEnoughMemory; *t unchanged then. */
isoIec23465_Status px_transport_record_wrap(px_transport *t, const char *path, bool keep_secrets);

/* When the environment variable SDPROXY_TRACE names a file, wraps *t with
 * px_transport_record_wrap (secrets kept only with SDPROXY_TRACE_SECRETS=keep); otherwise does
 * nothing and succeeds. */
isoIec23465_Status px_transport_record_from_env(px_transport *t);

/* Opens "replay:" (px_transport_replay.c) on the trace file at `path`: each command is answered
 * with the recorded response when it matches the next entry (exactly, or through the wildcards ??
 * and **). The first departure fails the call with CommunicationError and a message naming the
 * trace line and both versions; every later call fails too. Errors: SecurityDeviceNotFound
 * (unreadable or malformed trace: the message holds file:line: reason). */
isoIec23465_Status px_transport_replay_open(const char *path, px_transport *out);

/* Reads only the ATR of the trace at `path` (3B 00 when the trace has none). Errors as
 * px_transport_replay_open. */
isoIec23465_Status px_transport_replay_probe(const char *path, uint8_t *atr, size_t cap,
                                             size_t *len);

#endif
