/* The control protocol of `sdemu serve --control PATH`: one command per line, one reply line
 * ("ok ..." or "error ..."). The parser is pure (unit-tested, fuzz target 'control'); the
 * executor acts on the card, on the faults it injects into the vpcd link, and, through hooks, on
 * the serve loop (remove, insert, power cut). See docs/sdemu.md, "Control socket".
 *
 * Commands:
 *   remove | insert | reset | status | help
 *   snapshot FILE | restore FILE
 *   pin-tries REF [DF] | set-pin-tries REF N [DF]     (REF hex, e.g. 01 or 81; DF e.g. 5000)
 *   fault delay MS [N] | fault sw XXXX [N] | fault drop | fault power-cut | fault clear */
#ifndef EMU_CONTROL_H
#define EMU_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_card.h"
#include "emu_vpcd.h"

/* Longest command line, without its newline. */
#define EMU_CONTROL_LINE_MAX 1024
/* Longest argument (a FILE or a DF path). */
#define EMU_CONTROL_ARG_MAX 512
/* Longest reply line, without its newline. */
#define EMU_CONTROL_REPLY_MAX 1024
/* Bounds of the numeric arguments. */
#define EMU_CONTROL_DELAY_MAX_MS 60000u
#define EMU_CONTROL_COUNT_MAX 1000000u

typedef enum emu_control_op {
    EMU_CONTROL_REMOVE = 0,
    EMU_CONTROL_INSERT,
    EMU_CONTROL_RESET,
    EMU_CONTROL_SNAPSHOT,
    EMU_CONTROL_RESTORE,
    EMU_CONTROL_PIN_TRIES,
    EMU_CONTROL_SET_PIN_TRIES,
    EMU_CONTROL_FAULT_DELAY,
    EMU_CONTROL_FAULT_SW,
    EMU_CONTROL_FAULT_DROP,
    EMU_CONTROL_FAULT_POWER_CUT,
    EMU_CONTROL_FAULT_CLEAR,
    EMU_CONTROL_STATUS,
    EMU_CONTROL_HELP,
} emu_control_op;

/* One parsed command. Only the fields of its op are meaningful. */
typedef struct emu_control_cmd {
    emu_control_op op;
    char arg[EMU_CONTROL_ARG_MAX]; /* FILE (snapshot, restore) or DF path ("" = global PIN) */
    uint8_t ref;                   /* PIN reference */
    unsigned value;                /* tries (set-pin-tries), milliseconds (fault delay) */
    unsigned count;                /* N of the fault commands (default 1) */
    uint16_t sw;                   /* fault sw */
} emu_control_cmd;

/* Parses one line (without its newline; a trailing CR is ignored) of at most
 * EMU_CONTROL_LINE_MAX bytes. Returns 0 and fills *cmd, or -1 with a reason in err[0..cap).
 * Never reads outside line[0..len). */
int emu_control_parse(const char *line, size_t len, emu_control_cmd *cmd, char *err, size_t cap);

/* What the serve loop does for the executor; each returns 0, or -1 with a reason in msg. */
typedef struct emu_control_hooks {
    int (*remove)(void *ctx, char *msg, size_t cap);
    int (*insert)(void *ctx, char *msg, size_t cap);
    bool (*inserted)(void *ctx);
    /* Arms a cut of the next durable write (the state file); NULL when not supported. */
    int (*power_cut)(void *ctx, char *msg, size_t cap);
    /* Makes a restored state durable (the state file); NULL when the card lives in memory. */
    int (*save_state)(void *ctx, char *msg, size_t cap);
} emu_control_hooks;

/* A card under control: the card, the identity it shows, the pending faults. */
typedef struct emu_control {
    emu_card *card;
    uint8_t atr[33]; /* the ATR sent to vpcd (a variant of the card's own, or the same) */
    size_t atr_len;
    char serial[128]; /* "" when unknown */
    unsigned delay_ms, delay_count;
    uint16_t fault_sw;
    unsigned sw_count;
    bool drop;
    unsigned long commands; /* APDUs that reached the link */
    const emu_control_hooks *hooks;
    void *hooks_ctx;
} emu_control;

/* Sets up control of `card`, showing the card's own ATR and `serial` (NULL: none). */
void emu_control_init(emu_control *ctl, emu_card *card, const char *serial,
                      const emu_control_hooks *hooks, void *hooks_ctx);

/* Shows `atr` (at most 33 bytes) instead of the card's own. Returns 0, or -1 if too long. */
int emu_control_set_atr(emu_control *ctl, const uint8_t *atr, size_t len);

/* Executes a parsed command; writes one reply line ("ok ..." / "error ...", no newline) into
 * reply[0..cap). Returns 0 for ok, -1 for error. */
int emu_control_exec(emu_control *ctl, const emu_control_cmd *cmd, char *reply, size_t cap);

/* Parses and executes one line; the reply as emu_control_exec. */
int emu_control_line(emu_control *ctl, const char *line, size_t len, char *reply, size_t cap);

/* vpcd link operations for a card under control (ctx: the emu_control *): the ATR shown, and
 * every command APDU passes the pending faults (delay, SW, drop) before the card. */
extern const emu_vpcd_ops emu_control_vpcd_ops;

#endif
