/* Access rules and the security status that satisfies them. Internal to libsdemu. */
#ifndef EMU_ACCESS_H
#define EMU_ACCESS_H

#include <stdint.h>

/* The operations a rule can guard (7816-4/-9 access modes). */
typedef enum emu_op {
    EMU_OP_READ,
    EMU_OP_UPDATE,
    EMU_OP_WRITE,
    EMU_OP_ERASE,
    EMU_OP_APPEND,
    EMU_OP_DELETE,
    EMU_OP_CREATE,
    EMU_OP_ACTIVATE,
    EMU_OP_DEACTIVATE,
    EMU_OP_TERMINATE,
    EMU_OP_COUNT
} emu_op;

#define EMU_RULE_MAX_TERMS 4 /* alternatives (OR) in one rule */
#define EMU_RULE_MAX_PINS 4  /* PIN references that must all be verified (AND) in one term */

typedef enum emu_rule_kind {
    EMU_RULE_ALWAYS = 0,
    EMU_RULE_NEVER,
    EMU_RULE_PINS, /* OR over terms, AND within a term */
} emu_rule_kind;

/* One rule: always, never, or (p1 AND p2 ...) OR (q1 AND ...) over PIN references. */
typedef struct emu_rule {
    uint8_t kind; /* emu_rule_kind */
    uint8_t n_terms;
    struct {
        uint8_t n;
        uint8_t pin_ref[EMU_RULE_MAX_PINS]; /* 7816-4 reference: b8 = DF-specific */
    } terms[EMU_RULE_MAX_TERMS];
} emu_rule;

#endif
