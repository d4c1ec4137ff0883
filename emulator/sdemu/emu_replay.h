/* The replay card (sdemu serve --replay TRACE): a card whose answers come from a recorded trace
 * (docs/trace.md). Each command must match the next entry (exact, or through the trace's ?? and
 * ** bytes); the recorded response is the answer. The first command that departs is reported on
 * stderr with both versions, and every command from then on is answered 6F00. */
#ifndef EMU_REPLAY_H
#define EMU_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_vpcd.h"

typedef struct emu_replay emu_replay;

/* Loads the trace at `path`; `name` (kept, not copied) prefixes messages. Returns NULL with
 * "FILE:LINE: reason" in err[0..cap) when the trace is unreadable or malformed. */
emu_replay *emu_replay_open(const char *path, const char *name, char *err, size_t cap);

/* Frees the replay card; NULL is allowed. */
void emu_replay_close(emu_replay *r);

/* Link operations; pass the emu_replay * as the ops context. The ATR is the trace's
 * ("# atr:"), or 3B 00 when the trace has none. */
extern const emu_vpcd_ops emu_replay_vpcd_ops;

/* The departure report ("FILE:LINE: entry N departs at byte K\n  trace > ..\n  got   > ..")
 * or "" while the replay follows the trace. Valid until emu_replay_close. */
const char *emu_replay_departure(const emu_replay *r);

/* Number of entries answered from the trace so far. */
size_t emu_replay_answered(const emu_replay *r);

/* After serving emu_replay_vpcd_ops until `end`: prints how many entries were answered and
 * returns the exit status: 0 when vpcd closed (EOF) and the program never departed from the
 * trace, 1 otherwise. */
int emu_replay_finish(const emu_replay *r, emu_vpcd_end end);

#endif
