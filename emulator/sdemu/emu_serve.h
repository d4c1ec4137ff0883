/* `sdemu serve`: one card in one vpcd reader, and optionally a control socket, served in one
 * poll() loop (the card is single-threaded; both descriptors are handled in turn, no locks).
 * Also the client side of the control socket (`sdemu ctl`). */
#ifndef EMU_SERVE_H
#define EMU_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_control.h"

typedef struct emu_serve_config {
    emu_control *ctl;         /* the card under control (emu_control_init done by the caller) */
    uint16_t port;            /* vpcd's port on 127.0.0.1 */
    int connect_timeout_ms;   /* for the first connection and for `insert` */
    const char *name;         /* in log messages */
    const char *control_path; /* UNIX socket for the control protocol; NULL: none */
    /* Arms a cut of the next durable write (fault power-cut); NULL when there is no state file. */
    int (*power_cut)(void *ctx, char *msg, size_t cap);
    void *power_cut_ctx;
    /* Writes the card's state to its state file after a `restore` (ctx: power_cut_ctx); NULL
     * when there is no state file. */
    int (*save_state)(void *ctx, char *msg, size_t cap);
    /* true: when vpcd closes the connection while the card is inserted (pcscd exited or was
     * restarted), the card powers off and connects again, polling for connect_timeout_ms; its
     * persistent state stays. false: that ends serve with status 0. */
    bool reconnect;
} emu_serve_config;

/* Connects to vpcd and serves the card until vpcd closes the connection while the card is
 * inserted (unless cfg->reconnect), or SIGTERM/SIGINT/SIGHUP arrives. A connection dropped by
 * `fault drop` is made again at once (the card comes back). With cfg->reconnect a closed
 * connection is made again too, polling without blocking the loop: the control socket is still
 * served and a stop signal still ends serve at once; a `remove` meanwhile cancels the
 * reconnection. The control socket is created first (mode 0600; a stale socket at the path is
 * replaced, any other file refused) and removed at the end. Returns 0 for a normal end (vpcd
 * closed, or a signal), 1 on failure, including a reconnection that found nothing listening
 * within connect_timeout_ms (message on stderr). */
int emu_serve_run(const emu_serve_config *cfg);

/* Binds and listens on a UNIX socket at `path` with mode 0600. Refuses (-1, reason in err) when
 * something other than a socket is at the path; replaces a socket. Returns the listening fd
 * (close-on-exec, non-blocking). */
int emu_serve_listen(const char *path, char *err, size_t cap);

/* Sends one command line to the control socket at `path` and reads one reply line (without its
 * newline) into reply[0..cap), waiting at most timeout_ms. Returns 0 when a reply came, -1 with
 * a reason in reply otherwise. */
int emu_serve_request(const char *path, const char *line, char *reply, size_t cap, int timeout_ms);

#endif
