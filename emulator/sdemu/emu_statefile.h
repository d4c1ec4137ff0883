/* The state file of `sdemu serve --state FILE`: the card's non-volatile memory on disk.
 *
 * Every durable write replaces the whole file atomically: the state goes to FILE.tmp, which is
 * flushed (fsync), renamed over FILE, and the directory is flushed. A kill at any instant leaves
 * FILE holding either the old or the new state; the state's trailing SHA-256 catches anything
 * else (docs/sdemu.md, "State file"). */
#ifndef EMU_STATEFILE_H
#define EMU_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "emu_card.h"

/* Largest state file read back (the card's content is bounded by EMU_MAX_TOTAL_DATA, 16 MiB). */
#define EMU_STATEFILE_MAX (64u * 1024u * 1024u)

/* Exit status of the process after a simulated power cut (emu_statefile_fail_next_write). */
#define EMU_STATEFILE_POWER_CUT_EXIT 99

typedef struct emu_statefile emu_statefile;

/* Writes buf[0..len) to `path` durably and atomically (path.tmp, fsync, rename, fsync of the
 * directory). Returns 0, or -1 with the reason in err[0..cap); `path` is then unchanged. */
int emu_statefile_write(const char *path, const uint8_t *buf, size_t len, char *err, size_t cap);

/* Reads a whole regular file of at most EMU_STATEFILE_MAX bytes into a new buffer the caller
 * frees. Returns 0, 1 when the file does not exist, or -1 with the reason in err. */
int emu_statefile_read(const char *path, uint8_t **buf, size_t *len, char *err, size_t cap);

/* Binds `card` to the state file at `path`: loads it when it exists (a torn, corrupted or
 * foreign state is refused: NULL with the reason in err), otherwise creates it from the card's
 * current state. Then installs the persistence hook (emu_card_set_persist) that writes the whole
 * state before any response leaves the card. Returns NULL on failure, the card then unchanged
 * and without a hook. */
emu_statefile *emu_statefile_open(emu_card *card, const char *path, char *err, size_t cap);

/* Removes the hook from the card and frees; NULL is accepted. */
void emu_statefile_close(emu_statefile *sf);

/* Writes the card's current state now (e.g. after a control `restore`). Returns 0, or -1 with
 * the reason in err. */
int emu_statefile_save(emu_statefile *sf, char *err, size_t cap);

/* Arms a simulated power cut: the next durable write stops after writing part of FILE.tmp and
 * the process ends at once with _exit(EMU_STATEFILE_POWER_CUT_EXIT). FILE keeps the old state. */
void emu_statefile_fail_next_write(emu_statefile *sf);

/* The same in the shape of emu_serve_config.power_cut / emu_control_hooks.power_cut (ctx is the
 * emu_statefile). Always returns 0. */
int emu_statefile_power_cut(void *ctx, char *msg, size_t cap);

#endif
