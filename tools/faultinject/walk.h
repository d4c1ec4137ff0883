/* sdfault-walk: the scenario interface. A scenario is one entry of walk_scenarios[]
 * (walk_scenarios.c); the walker (walk.c) runs each once to count its fault points, then once
 * per point with that point failing, each run in its own process. */
#ifndef WALK_H
#define WALK_H

#include <stddef.h>

/* What a scenario run reports; also the exit status of `sdfault-walk --run`. */
enum walk_result {
    WALK_OK = 0,      /* every step succeeded and gave the expected data (maybe recovered) */
    WALK_FAILED = 10, /* a step reported an error through its API: a clean failure */
    WALK_WRONG = 11,  /* a step reported success with wrong data, or an inconsistent error */
    WALK_BROKEN = 12, /* the invariant check failed after the armed run */
    WALK_USAGE = 13   /* the walker was called wrongly */
};

typedef struct walk_scenario {
    const char *name;
    const char *description;
    /* NULL when the scenario can always run; otherwise returns NULL when it can run now, or the
     * reason it cannot (e.g. no private pcscd). */
    const char *(*unavailable)(void);
    /* The steps, run armed: every wrapped call counts. Leaves what it built in *state (for
     * check and release) even when a step fails. Returns WALK_OK, WALK_FAILED or WALK_WRONG. */
    int (*run)(void **state);
    /* Run unarmed after `run`: the objects `run` left must still work (no half-changed state).
     * NULL: no check beyond the walker's fresh retry. Returns WALK_OK when the invariant holds. */
    int (*check)(void *state);
    /* Frees what `run` left (unarmed); must accept NULL. */
    void (*release)(void *state);
} walk_scenario;

/* The scenario table and its length. */
extern const walk_scenario walk_scenarios[];
extern const size_t walk_scenario_count;

#endif
