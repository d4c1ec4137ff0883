/* The vpcd link: frame logic and the TCP client socket. */
#include "emu_vpcd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "codec_bytes.h"

emu_vpcd_frame_status emu_vpcd_next_frame(const uint8_t *buf, size_t len, size_t max_payload,
                                          const uint8_t **payload, size_t *payload_len,
                                          size_t *frame_len)
{
    codec_reader r;
    uint16_t n;
    const uint8_t *p;

    codec_reader_init(&r, buf, len);
    if (!codec_read_u16be(&r, &n))
        return EMU_VPCD_FRAME_PARTIAL;
    if (n == 0)
        return EMU_VPCD_FRAME_ZERO;
    /* Refuse before waiting for the bytes, so an absurd length cannot hold the link. */
    if (n > max_payload)
        return EMU_VPCD_FRAME_TOO_LONG;
    if (!codec_read_bytes(&r, n, &p))
        return EMU_VPCD_FRAME_PARTIAL;
    *payload = p;
    *payload_len = n;
    *frame_len = r.off;
    return EMU_VPCD_FRAME_OK;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Writes the 2-byte length prefix of a reply whose payload is already at out[2..). */
static void put_prefix(uint8_t *out, size_t payload_len)
{
    codec_writer w;
    codec_writer_init(&w, out, 2);
    codec_write_u16be(&w, (uint16_t)payload_len);
}

emu_vpcd_action emu_vpcd_handle(const emu_vpcd_ops *ops, void *ctx, const uint8_t *payload,
                                size_t payload_len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (payload_len == 0 || cap < 4)
        return EMU_VPCD_BAD_CONTROL;
    size_t room = min_size(cap - 2, EMU_VPCD_PAYLOAD_MAX);

    if (payload_len == 1) {
        switch (payload[0]) {
        case EMU_VPCD_CTRL_OFF:
            ops->power_off(ctx);
            return EMU_VPCD_NO_REPLY;
        case EMU_VPCD_CTRL_ON:
            ops->power_on(ctx);
            return EMU_VPCD_NO_REPLY;
        case EMU_VPCD_CTRL_RESET:
            ops->reset(ctx);
            return EMU_VPCD_NO_REPLY;
        case EMU_VPCD_CTRL_ATR: {
            size_t atr_len = 0;
            const uint8_t *atr = ops->atr(ctx, &atr_len);
            atr_len = min_size(atr_len, room);
            if (atr_len)
                memcpy(out + 2, atr, atr_len);
            put_prefix(out, atr_len);
            *out_len = 2 + atr_len;
            return EMU_VPCD_REPLY;
        }
        default:
            return EMU_VPCD_BAD_CONTROL;
        }
    }

    size_t n = ops->transmit(ctx, payload, payload_len, out + 2, room);
    if (n == EMU_VPCD_DROP)
        return EMU_VPCD_DROPPED;
    /* The card promises 2..room; clamp anyway so a faulty card cannot make us send garbage. */
    if (n > room)
        n = room;
    if (n < 2) {
        out[2] = 0x6F; /* no precise diagnosis */
        out[3] = 0x00;
        n = 2;
    }
    put_prefix(out, n);
    *out_len = 2 + n;
    return EMU_VPCD_REPLY;
}

const char *emu_vpcd_end_describe(emu_vpcd_end end)
{
    switch (end) {
    case EMU_VPCD_END_EOF:
        return "vpcd closed the connection";
    case EMU_VPCD_END_TRUNCATED:
        return "vpcd closed the connection in the middle of a frame";
    case EMU_VPCD_END_ZERO:
        return "zero-length frame (stream out of step)";
    case EMU_VPCD_END_TOO_LONG:
        return "frame longer than the limit";
    case EMU_VPCD_END_BAD_CONTROL:
        return "unknown control code";
    case EMU_VPCD_END_IO:
        return "socket error";
    case EMU_VPCD_END_NOMEM:
        return "out of memory";
    case EMU_VPCD_END_DROPPED:
        return "the card dropped the connection in the middle of a command";
    }
    return "unknown reason";
}

static void quickack(int fd)
{
    int one = 1;
    /* Fails with EOPNOTSUPP on non-TCP sockets (tests use socketpairs): harmless. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

static bool send_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Answers every whole frame in link->in (vpcd sends one at a time, but a stream may carry
 * several) and keeps the partial rest. Returns true to go on, false with *end. */
static bool handle_frames(emu_vpcd_link *link, int fd, const emu_vpcd_ops *ops, void *ctx,
                          emu_vpcd_end *end)
{
    size_t off = 0;
    bool go_on = true;
    while (go_on) {
        const uint8_t *payload;
        size_t payload_len, frame_len, out_len;
        emu_vpcd_frame_status st =
            emu_vpcd_next_frame(link->in + off, link->have - off, link->max_payload, &payload,
                                &payload_len, &frame_len);
        if (st == EMU_VPCD_FRAME_PARTIAL)
            break;
        if (st == EMU_VPCD_FRAME_ZERO) {
            *end = EMU_VPCD_END_ZERO;
            return false;
        }
        if (st == EMU_VPCD_FRAME_TOO_LONG) {
            *end = EMU_VPCD_END_TOO_LONG;
            return false;
        }
        emu_vpcd_action act = emu_vpcd_handle(ops, ctx, payload, payload_len, link->out,
                                              EMU_VPCD_FRAME_MAX, &out_len);
        if (act == EMU_VPCD_BAD_CONTROL) {
            *end = EMU_VPCD_END_BAD_CONTROL;
            return false;
        }
        if (act == EMU_VPCD_DROPPED) {
            *end = EMU_VPCD_END_DROPPED;
            return false;
        }
        if (act == EMU_VPCD_REPLY && !send_all(fd, link->out, out_len)) {
            fprintf(stderr, "sdemu: %s: send: %s\n", link->name, strerror(errno));
            *end = EMU_VPCD_END_IO;
            return false;
        }
        off += frame_len;
    }
    memmove(link->in, link->in + off, link->have - off);
    link->have -= off;
    return true;
}

int emu_vpcd_link_init(emu_vpcd_link *link, size_t max_payload, const char *name)
{
    if (max_payload == 0 || max_payload > EMU_VPCD_PAYLOAD_MAX)
        max_payload = EMU_VPCD_PAYLOAD_MAX;
    link->have = 0;
    link->max_payload = max_payload;
    link->name = name ? name : "card";
    link->in = malloc(EMU_VPCD_FRAME_MAX);
    link->out = malloc(EMU_VPCD_FRAME_MAX);
    return link->in && link->out ? 0 : -1;
}

void emu_vpcd_link_free(emu_vpcd_link *link)
{
    free(link->in);
    free(link->out);
    link->in = link->out = NULL;
    link->have = 0;
}

void emu_vpcd_link_clear(emu_vpcd_link *link)
{
    link->have = 0;
}

/* One recv and the frames it completes; no logging. */
static bool link_step(emu_vpcd_link *link, int fd, const emu_vpcd_ops *ops, void *ctx,
                      emu_vpcd_end *end)
{
    /* What is kept is a partial frame no longer than 2 + max_payload: it fits. */
    ssize_t n = recv(fd, link->in + link->have, EMU_VPCD_FRAME_MAX - link->have, 0);
    quickack(fd);
    if (n == 0) {
        *end = link->have == 0 ? EMU_VPCD_END_EOF : EMU_VPCD_END_TRUNCATED;
        return false;
    }
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
            return true;
        if (errno == ECONNRESET) {
            *end = link->have == 0 ? EMU_VPCD_END_EOF : EMU_VPCD_END_TRUNCATED;
            return false;
        }
        fprintf(stderr, "sdemu: %s: recv: %s\n", link->name, strerror(errno));
        *end = EMU_VPCD_END_IO;
        return false;
    }
    link->have += (size_t)n;
    return handle_frames(link, fd, ops, ctx, end);
}

static void log_end(emu_vpcd_end end, const char *name)
{
    if (end != EMU_VPCD_END_EOF && end != EMU_VPCD_END_IO && end != EMU_VPCD_END_DROPPED)
        fprintf(stderr, "sdemu: %s: connection ended: %s\n", name, emu_vpcd_end_describe(end));
}

bool emu_vpcd_link_step(emu_vpcd_link *link, int fd, const emu_vpcd_ops *ops, void *ctx,
                        emu_vpcd_end *end)
{
    if (link_step(link, fd, ops, ctx, end))
        return true;
    log_end(*end, link->name);
    return false;
}

emu_vpcd_end emu_vpcd_serve(int fd, const emu_vpcd_ops *ops, void *ctx, size_t max_payload,
                            const char *name)
{
    emu_vpcd_link link;
    emu_vpcd_end end = EMU_VPCD_END_NOMEM;
    if (emu_vpcd_link_init(&link, max_payload, name) == 0)
        while (link_step(&link, fd, ops, ctx, &end))
            ;
    log_end(end, link.name);
    emu_vpcd_link_free(&link);
    return end;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int emu_vpcd_try_connect(uint16_t port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int emu_vpcd_connect(uint16_t port, int timeout_ms, const char *name)
{
    if (!name)
        name = "card";
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int fd = emu_vpcd_try_connect(port);
        if (fd >= 0)
            return fd;
        int e = errno;
        if (e != ECONNREFUSED && e != EINTR) {
            fprintf(stderr, "sdemu: %s: connect to 127.0.0.1:%u: %s\n", name, port, strerror(e));
            return -1;
        }
        if (now_ms() >= deadline) {
            fprintf(stderr,
                    "sdemu: %s: nothing listens on 127.0.0.1:%u after %d ms (is a pcscd with "
                    "the vpcd driver running with that port?)\n",
                    name, port, timeout_ms);
            return -1;
        }
        /* vpcd starts listening when pcscd loads the driver; poll at a short interval. */
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

int emu_vpcd_parse_address(const char *text, uint16_t *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon)
        return -1;
    size_t host_len = (size_t)(colon - text);
    bool loopback = (host_len == 9 && strncmp(text, "127.0.0.1", 9) == 0) ||
                    (host_len == 9 && strncmp(text, "localhost", 9) == 0);
    if (!loopback)
        return -1;
    const char *digits = colon + 1;
    if (*digits < '0' || *digits > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(digits, &end, 10);
    if (errno || *end != '\0' || v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}
