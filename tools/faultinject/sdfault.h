/* libsdfault: deterministic fault injection for the -Dfault_injection=true build.
 *
 * Every library and program of that build is linked with the linker's --wrap for the calls
 * listed in sdfault_calls.h (allocation, the OpenSSL calls the project uses, SCard*), so those
 * calls land in this library first. A wrapper counts the call only while the process is armed
 * (between sdfault_arm() and sdfault_disarm()); the N-th counted call fails when N is the
 * configured failure point. Outside the armed window every wrapper passes straight through, so
 * start-up and harness code never shift the numbering.
 *
 * Environment, read by the first sdfault_arm():
 *   SDFAULT_FAIL_AT=N   fail the N-th counted call (1-based; unset or 0: count only)
 *   SDFAULT_REPORT=PATH at exit, write "calls=K fired=0|1 alloc=A openssl=O pcsc=P" to PATH
 *   SDFAULT_TRACE=1     print every counted call ("sdfault: #N name") to stderr
 * See docs/fault-injection.md. */
#ifndef SDFAULT_H
#define SDFAULT_H

#include <stdbool.h>

/* Starts counting calls. The first call reads the environment and registers the exit report.
 * Arming again while armed does nothing. */
void sdfault_arm(void);

/* Stops counting; the counters keep their values. */
void sdfault_disarm(void);

/* Sets the failure point, overriding SDFAULT_FAIL_AT (0: never fail). */
void sdfault_set_fail_at(unsigned long n);

/* Number of calls counted so far, in all armed windows of the process. */
unsigned long sdfault_count(void);

/* True once the configured failure point has been reached (a call was made to fail). */
bool sdfault_fired(void);

#endif
