/* PIN safety on physical cards, for every test that presents a password value through the API
 * table (the C suites and the cases as data alike).
 *
 * In each test process against a physical card (not the emulator: see sdc_guard_physical),
 * Password_verify, Password_change, Password_enableRequirement and Password_disableRequirement
 * are wrapped. Before the value reaches the proxy the wrapper
 *   - skips the test when no card description was given (--card): the values the suites know
 *     are the reference card's, and a wrong value spends a try;
 *   - reads the password's retry counter (Authenticator_getRemainingTries) and skips the test
 *     when one try or none is left, or when the counter cannot be read: sdconform never spends
 *     the last try of a PIN or PUK.
 * The skip carries the reason; the report lists it. */
#ifndef SDC_GUARD_H
#define SDC_GUARD_H

#include <stdbool.h>

#include "sdc_api.h"

/* Whether the device under test counts as a physical card: not an emu: spec and not the reader
 * `sdemu run` made (SDEMU_READER), the same rule as the cases' sdc_target_is_emulator. main
 * removes SDEMU_READER when --card is given, so that the emulator behind pcscd can stand in for
 * a physical card. */
bool sdc_guard_physical(void);

/* The check itself, for callers that do not go through the table (the cases' non-blocking
 * calls): skips the running test unless presenting a value to `pw` is safe; `what` names the
 * call in the reason. Does nothing outside a test process or against the emulator. */
void sdc_guard_password(isoIec23465_Password *pw, const char *what);

/* Replaces the password functions of `t` with the guarded ones (called by sdc_api.c once the
 * table is filled; the guard acts only in test processes against a physical card). */
void sdc_guard_hook(sdc_api_table *t);

#endif
