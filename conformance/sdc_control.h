/* The emulator's control socket (docs/sdemu.md, "Control socket"), for tests that run against
 * the emulator behind pcscd (`sdemu run` sets SDEMU_CONTROL): fault injection, a clean card
 * for each test. */
#ifndef SDC_CONTROL_H
#define SDC_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

/* Whether this process can reach the emulator's control socket: the target is the emulator
 * behind pcscd and SDEMU_CONTROL is set. */
bool sdc_control_available(void);

/* Sends one command line; the reply goes to reply[0..cap). True for a reply "ok ...". False
 * with the reason in `reply` when the socket cannot be reached. Bounded: 10 s. */
bool sdc_control_reply(char *reply, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The file the main process snapshotted the card into at the start of the run (the
 * environment variable SDCONFORM_SNAPSHOT), or NULL. */
const char *sdc_control_snapshot(void);

#define SDC_SNAPSHOT_ENV "SDCONFORM_SNAPSHOT"

#endif
