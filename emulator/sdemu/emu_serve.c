/* sdemu serve: the vpcd link and the control socket in one poll() loop. */
#include "emu_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emu_vpcd.h"
#include "emu_say.h"

#define MAX_CLIENTS 8
/* Interval between attempts to reach vpcd again after it closed the connection (--reconnect). */
#define RECONNECT_POLL_MS 10

typedef struct client {
    int fd;
    size_t have;
    char buf[EMU_CONTROL_LINE_MAX + 1];
} client;

typedef struct server {
    const emu_serve_config *cfg;
    emu_vpcd_link link;
    int vpcd_fd;
    int listen_fd;
    client cl[MAX_CLIENTS];
    emu_control_hooks hooks;
    bool reconnecting;         /* vpcd closed the connection: trying to reach it again */
    long long reconnect_until; /* when reconnecting gives up (monotonic ms) */
    int reconnect_errno;       /* why the last attempt failed */
} server;

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* The monotonic clock in milliseconds. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- hooks for the control executor ---- */

static void disconnect(server *s)
{
    if (s->vpcd_fd >= 0)
        close(s->vpcd_fd);
    s->vpcd_fd = -1;
    emu_vpcd_link_clear(&s->link);
    /* A removed card loses power: volatile state is gone when it comes back. */
    emu_card_power_off(s->cfg->ctl->card);
}

static int connect_vpcd(server *s)
{
    s->vpcd_fd = emu_vpcd_connect(s->cfg->port, s->cfg->connect_timeout_ms, s->cfg->name);
    emu_vpcd_link_clear(&s->link);
    return s->vpcd_fd < 0 ? -1 : 0;
}

static int hook_remove(void *ctx, char *msg, size_t cap)
{
    server *s = ctx;
    if (s->reconnecting) {
        /* Removed while waiting for vpcd: it stays removed until `insert`. */
        s->reconnecting = false;
        return 0;
    }
    if (s->vpcd_fd < 0) {
        emu_say(msg, cap, "the card is already removed");
        return -1;
    }
    disconnect(s);
    return 0;
}

static int hook_insert(void *ctx, char *msg, size_t cap)
{
    server *s = ctx;
    if (s->vpcd_fd >= 0) {
        emu_say(msg, cap, "the card is already inserted");
        return -1;
    }
    if (connect_vpcd(s) != 0) {
        emu_say(msg, cap, "cannot connect to vpcd at 127.0.0.1:%u", s->cfg->port);
        return -1;
    }
    s->reconnecting = false;
    return 0;
}

static bool hook_inserted(void *ctx)
{
    return ((server *)ctx)->vpcd_fd >= 0;
}

static int hook_power_cut(void *ctx, char *msg, size_t cap)
{
    server *s = ctx;
    return s->cfg->power_cut(s->cfg->power_cut_ctx, msg, cap);
}

static int hook_save_state(void *ctx, char *msg, size_t cap)
{
    server *s = ctx;
    return s->cfg->save_state(s->cfg->power_cut_ctx, msg, cap);
}

/* ---- control socket ---- */

int emu_serve_listen(const char *path, char *err, size_t cap)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof sa.sun_path) {
        emu_say(err, cap, "control socket path must be 1..%zu bytes: %s", sizeof sa.sun_path - 1,
                path);
        return -1;
    }
    memcpy(sa.sun_path, path, len + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            emu_say(err, cap, "%s exists and is not a socket; not replacing it", path);
            return -1;
        }
        /* A socket someone still serves is not stale. */
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            emu_say(err, cap, "%s is in use by another process", path);
            return -1;
        }
        if (probe >= 0)
            close(probe);
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        emu_say(err, cap, "socket: %s", strerror(errno));
        return -1;
    }
    /* Created 0600 from the start: nobody else may connect between bind and chmod. */
    mode_t old = umask(077);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 8) != 0) {
        emu_say(err, cap, "cannot listen on %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void client_close(client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->have = 0;
}

static bool client_send(client *c, const char *reply)
{
    char line[EMU_CONTROL_REPLY_MAX + 2];
    int n = snprintf(line, sizeof line, "%s\n", reply);
    if (n < 0)
        return false;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    /* Replies are short; a client that does not read them is dropped. */
    return send(c->fd, line, len, MSG_NOSIGNAL) == (ssize_t)len;
}

static bool client_line(server *s, client *c, const char *line, size_t len)
{
    char reply[EMU_CONTROL_REPLY_MAX];
    emu_control_line(s->cfg->ctl, line, len, reply, sizeof reply);
    return client_send(c, reply);
}

/* Reads what the client sent and answers each whole line. */
static void client_read(server *s, client *c)
{
    ssize_t n = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        /* The last line may come without its newline. */
        if (n == 0 && c->have > 0)
            client_line(s, c, c->buf, c->have);
        client_close(c);
        return;
    }
    c->have += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < c->have; i++) {
        if (c->buf[i] != '\n')
            continue;
        if (!client_line(s, c, c->buf + start, i - start)) {
            client_close(c);
            return;
        }
        start = i + 1;
        if (c->fd < 0)
            return;
    }
    memmove(c->buf, c->buf + start, c->have - start);
    c->have -= start;
    if (c->have == sizeof c->buf) {
        client_send(c, "error line too long");
        client_close(c);
    }
}

static void accept_client(server *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (s->cl[i].fd < 0) {
            s->cl[i].fd = fd;
            s->cl[i].have = 0;
            return;
        }
    }
    client busy = {.fd = fd};
    client_send(&busy, "error too many control connections");
    close(fd);
}

/* ---- the loop ---- */

/* Handles the end of the vpcd connection; returns -1 to go on, or the exit status. */
static int vpcd_ended(server *s, emu_vpcd_end end)
{
    disconnect(s);
    if (end == EMU_VPCD_END_DROPPED) {
        /* fault drop: the card vanished mid-command and comes straight back. */
        return connect_vpcd(s) == 0 ? -1 : 1;
    }
    /* A pcscd that exits may close the connection between the two writes of a frame (length,
     * then payload) or reset it: with --reconnect those end the connection as EOF does. */
    bool closed =
        end == EMU_VPCD_END_EOF || end == EMU_VPCD_END_TRUNCATED || end == EMU_VPCD_END_IO;
    if (closed && s->cfg->reconnect) {
        /* pcscd went away (a restart): wait for its successor without blocking the loop. */
        s->reconnecting = true;
        s->reconnect_until = now_ms() + s->cfg->connect_timeout_ms;
        s->reconnect_errno = ECONNREFUSED;
        return -1;
    }
    return end == EMU_VPCD_END_EOF ? 0 : 1;
}

/* One reconnection attempt; returns -1 to go on, or 1 once the deadline passed (message on
 * stderr). */
static int reconnect_step(server *s)
{
    int fd = emu_vpcd_try_connect(s->cfg->port);
    if (fd >= 0) {
        s->vpcd_fd = fd;
        emu_vpcd_link_clear(&s->link);
        s->reconnecting = false;
        return -1;
    }
    s->reconnect_errno = errno;
    if (now_ms() < s->reconnect_until)
        return -1;
    fprintf(stderr,
            "sdemu: %s: vpcd closed the connection and 127.0.0.1:%u did not accept a new one "
            "within %d ms (%s); giving up\n",
            s->cfg->name, s->cfg->port, s->cfg->connect_timeout_ms, strerror(s->reconnect_errno));
    return 1;
}

static int loop(server *s, const sigset_t *run_mask)
{
    for (;;) {
        if (stop_signal)
            return 0;
        if (s->reconnecting && reconnect_step(s) >= 0)
            return 1;
        struct pollfd pfd[2 + MAX_CLIENTS];
        nfds_t n = 0;
        int vpcd_at = -1, listen_at = -1, client_at[MAX_CLIENTS];
        if (s->vpcd_fd >= 0) {
            vpcd_at = (int)n;
            pfd[n++] = (struct pollfd){.fd = s->vpcd_fd, .events = POLLIN};
        }
        if (s->listen_fd >= 0) {
            listen_at = (int)n;
            pfd[n++] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        }
        for (int i = 0; i < MAX_CLIENTS; i++) {
            client_at[i] = -1;
            if (s->cl[i].fd >= 0) {
                client_at[i] = (int)n;
                pfd[n++] = (struct pollfd){.fd = s->cl[i].fd, .events = POLLIN};
            }
        }
        /* Signals are blocked except inside ppoll: a stop request cannot slip in between. While
         * reconnecting, ppoll also paces the attempts. */
        const struct timespec pace = {0, RECONNECT_POLL_MS * 1000000L};
        int rc = ppoll(pfd, n, s->reconnecting ? &pace : NULL, run_mask);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "sdemu: %s: poll: %s\n", s->cfg->name, strerror(errno));
            return 1;
        }
        if (vpcd_at >= 0 && pfd[vpcd_at].revents) {
            emu_vpcd_end end;
            if (!emu_vpcd_link_step(&s->link, s->vpcd_fd, &emu_control_vpcd_ops, s->cfg->ctl,
                                    &end)) {
                int status = vpcd_ended(s, end);
                if (status >= 0)
                    return status;
            }
        }
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (client_at[i] >= 0 && pfd[client_at[i]].revents && s->cl[i].fd >= 0)
                client_read(s, &s->cl[i]);
        if (listen_at >= 0 && pfd[listen_at].revents)
            accept_client(s);
    }
}

int emu_serve_run(const emu_serve_config *cfg)
{
    server s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.vpcd_fd = s.listen_fd = -1;
    for (int i = 0; i < MAX_CLIENTS; i++)
        s.cl[i].fd = -1;
    s.hooks = (emu_control_hooks){.remove = hook_remove,
                                  .insert = hook_insert,
                                  .inserted = hook_inserted,
                                  .power_cut = cfg->power_cut ? hook_power_cut : NULL,
                                  .save_state = cfg->save_state ? hook_save_state : NULL};
    cfg->ctl->hooks = &s.hooks;
    cfg->ctl->hooks_ctx = &s;

    sigset_t stop_set, orig;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGTERM);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGHUP);
    sigprocmask(SIG_BLOCK, &stop_set, &orig);
    struct sigaction sa, old_sa[3];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &old_sa[0]);
    sigaction(SIGINT, &sa, &old_sa[1]);
    sigaction(SIGHUP, &sa, &old_sa[2]);
    stop_signal = 0;

    int status = 1;
    char err[512];
    if (emu_vpcd_link_init(&s.link, 0, cfg->name) != 0) {
        fprintf(stderr, "sdemu: %s: out of memory\n", cfg->name);
        goto out;
    }
    if (cfg->control_path) {
        s.listen_fd = emu_serve_listen(cfg->control_path, err, sizeof err);
        if (s.listen_fd < 0) {
            fprintf(stderr, "sdemu: %s: %s\n", cfg->name, err);
            goto out;
        }
    }
    if (connect_vpcd(&s) != 0)
        goto out;
    status = loop(&s, &orig);
out:
    for (int i = 0; i < MAX_CLIENTS; i++)
        client_close(&s.cl[i]);
    if (s.listen_fd >= 0) {
        close(s.listen_fd);
        unlink(cfg->control_path);
    }
    if (s.vpcd_fd >= 0)
        close(s.vpcd_fd);
    emu_vpcd_link_free(&s.link);
    cfg->ctl->hooks = NULL;
    cfg->ctl->hooks_ctx = NULL;
    sigaction(SIGTERM, &old_sa[0], NULL);
    sigaction(SIGINT, &old_sa[1], NULL);
    sigaction(SIGHUP, &old_sa[2], NULL);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    return status;
}

/* ---- client ---- */

int emu_serve_request(const char *path, const char *line, char *reply, size_t cap, int timeout_ms)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t plen = strlen(path);
    if (cap < 2 || plen == 0 || plen >= sizeof sa.sun_path) {
        emu_say(reply, cap, "bad control socket path: %s", path);
        return -1;
    }
    memcpy(sa.sun_path, path, plen + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        emu_say(reply, cap, "cannot connect to %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t len = strlen(line);
    if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len || send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
        emu_say(reply, cap, "cannot send to %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    long long deadline = now_ms() + timeout_ms;
    size_t have = 0;
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0) {
            emu_say(reply, cap, "no reply from %s within %d ms", path, timeout_ms);
            close(fd);
            return -1;
        }
        ssize_t n = recv(fd, reply + have, cap - 1 - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            reply[have] = '\0';
            close(fd);
            if (have > 0)
                return 0; /* the reply without its newline */
            emu_say(reply, cap, "%s closed the connection without a reply", path);
            return -1;
        }
        have += (size_t)n;
        char *nl = memchr(reply, '\n', have);
        if (nl || have == cap - 1) {
            if (nl)
                *nl = '\0';
            else
                reply[have] = '\0';
            close(fd);
            return 0;
        }
    }
}
