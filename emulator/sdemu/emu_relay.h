/* The relay card personality (`sdemu serve --relay pcsc:<reader>`): the card behind the vpcd
 * link forwards every command APDU to a card in another PC/SC reader and records each exchange
 * to a trace (codec_trace format, secrets masked unless asked otherwise).
 *
 * The relay is a PC/SC client of the *upstream* pcscd, never of the pcscd that serves its own
 * vpcd reader (that pcscd waits for the card's answer while the card would wait for it: a
 * deadlock). pcsc-lite reads PCSCLITE_CSOCK_NAME once per process, so the relay sets it to the
 * upstream socket (or leaves the system socket) before its first SCard call, in its own process.
 *
 * Every upstream call (connect, transmit, reconnect) runs in one worker thread; the vpcd side
 * waits for it at most `timeout_ms`. A call that fails or overruns ends the relay: the vpcd
 * connection is closed (the program under test sees the card vanish) and the relay exits with a
 * reason, rather than inventing an answer the upstream card never gave. A worker stuck in
 * pcsc-lite is left behind; the process exit ends it. */
#ifndef EMU_RELAY_H
#define EMU_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_vpcd.h"

/* Default bound of one upstream call: a physical card generating an RSA key takes tens of
 * seconds. */
#define EMU_RELAY_DEFAULT_TIMEOUT_MS 60000

typedef struct emu_relay_config {
    const char *reader;          /* upstream reader name (the part after "pcsc:") */
    const char *upstream_socket; /* upstream pcscd socket; NULL: the system socket */
    const char *trace_path;      /* trace file, created/truncated with mode 0600; NULL: none */
    bool trace_secrets;          /* keep VERIFY/CHANGE/RESET RETRY COUNTER data in the trace */
    int timeout_ms;              /* bound of each upstream call; <= 0: the default */
    const char *name;            /* in log messages */
} emu_relay_config;

typedef struct emu_relay emu_relay;

/* Parses "pcsc:<reader>" (reader non-empty, at most 255 bytes, no control characters). Returns
 * the reader part (pointing into `spec`), or NULL. */
const char *emu_relay_parse_spec(const char *spec);

/* Sets PCSCLITE_CSOCK_NAME (when cfg->upstream_socket), starts the worker, connects to the
 * upstream reader (shared, T=0|T=1) and reads its ATR, and opens the trace. Returns the relay,
 * or NULL with a reason in err[0..cap). Call before any other SCard call in this process. */
emu_relay *emu_relay_open(const emu_relay_config *cfg, char *err, size_t cap);

/* Disconnects (when the worker is not stuck), closes the trace, frees. NULL accepted. */
void emu_relay_close(emu_relay *relay);

/* Why the relay ended, "" when it did not fail. Valid until emu_relay_close. */
const char *emu_relay_failure(const emu_relay *relay);

/* Exchanges relayed so far. */
unsigned long emu_relay_count(const emu_relay *relay);

/* Link operations for the relay; pass the emu_relay * as ctx. The ATR is the upstream card's.
 * transmit answers EMU_VPCD_DROP when the upstream call fails or overruns (see the top). */
extern const emu_vpcd_ops emu_relay_vpcd_ops;

/* After serving emu_relay_vpcd_ops until `end`: returns the exit status, 0 when vpcd closed the
 * connection (EOF), 1 when the upstream failed (reason on stderr) or the link broke. */
int emu_relay_finish(const emu_relay *relay, emu_vpcd_end end);

#endif
