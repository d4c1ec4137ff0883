/* A fake vpcd for the tests that drive `sdemu serve` without pcscd: a loopback TCP listener
 * the card connects to, and vpcd's frames (two-byte big-endian length, then the payload).
 * Every helper fails the running Criterion test on a socket error. */
#ifndef FAKE_VPCD_H
#define FAKE_VPCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How long the helpers wait for the card before giving up. */
#define FAKE_VPCD_TIMEOUT_MS 10000
/* The largest payload fake_vpcd_send_frame sends. */
#define FAKE_VPCD_PAYLOAD_MAX 300

/* Listens on 127.0.0.1 at a free port (written to *port); returns the listening socket. */
int fake_vpcd_listen(uint16_t *port);

/* Waits for the card to connect to the listener `lfd`; returns the connection. */
int fake_vpcd_accept(int lfd);

/* Sends one frame holding `payload` (at most FAKE_VPCD_PAYLOAD_MAX bytes). */
void fake_vpcd_send_frame(int fd, const uint8_t *payload, size_t len);

/* Reads exactly n bytes within timeout_ms; false on EOF, error or timeout. */
bool fake_vpcd_read_exact(int fd, uint8_t *buf, size_t n, int timeout_ms);

/* Reads one frame into resp (which must hold it); returns its length, or -1 when none came
 * within timeout_ms. */
int fake_vpcd_recv_frame(int fd, uint8_t *resp, size_t cap, int timeout_ms);

/* Sends one frame and returns the length of the answer frame, which must come. */
size_t fake_vpcd_exchange(int fd, const uint8_t *payload, size_t len, uint8_t *resp, size_t cap);

/* Starts `$SDEMU_EXE serve --vpcd 127.0.0.1:PORT ARGS...` (args: NULL-terminated, at most 16)
 * with its stdout and stderr appended to `log` (created, mode 0600, when missing); returns its
 * PID. Fails the test when SDEMU_EXE is not set (run through meson test). */
pid_t fake_vpcd_serve(uint16_t port, const char *log, const char *const args[]);

#endif
