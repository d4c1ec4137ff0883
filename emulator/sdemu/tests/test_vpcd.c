/* The vpcd link: frame parsing, control codes and the serve loop over a socketpair, against a
 * real emu_card with the reference profile; connect retry against a local TCP listener. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu_card.h"
#include "emu_profile.h"
#include "emu_vpcd.h"
#include "emu_vpcd_card.h"

static emu_card *card;

static void load_card(void)
{
    emu_error err;
    emu_profile *p = emu_profile_load(SDEMU_DEFAULT_PROFILE, &err);
    cr_assert_not_null(p, "cannot load %s: %s", SDEMU_DEFAULT_PROFILE, err.message);
    card = emu_card_new(p);
    emu_profile_free(p);
    cr_assert_not_null(card);
}

static void free_card(void)
{
    emu_card_free(card);
    card = NULL;
}

TestSuite(vpcd_frame, .init = load_card, .fini = free_card);

/* ---- emu_vpcd_next_frame ---- */

Test(vpcd_frame, whole_frame)
{
    const uint8_t buf[] = {0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00};
    const uint8_t *p;
    size_t plen, flen;
    cr_assert_eq(emu_vpcd_next_frame(buf, sizeof buf, EMU_VPCD_PAYLOAD_MAX, &p, &plen, &flen),
                 EMU_VPCD_FRAME_OK);
    cr_assert_eq(plen, 3);
    cr_assert_eq(flen, 5);
    cr_assert_eq(p, buf + 2);
}

Test(vpcd_frame, partial_header_and_payload)
{
    const uint8_t buf[] = {0x00, 0x05, 0x01, 0x02};
    const uint8_t *p;
    size_t plen, flen;
    for (size_t n = 0; n < sizeof buf; n++)
        cr_assert_eq(emu_vpcd_next_frame(buf, n, EMU_VPCD_PAYLOAD_MAX, &p, &plen, &flen),
                     EMU_VPCD_FRAME_PARTIAL, "prefix of %zu bytes", n);
}

Test(vpcd_frame, zero_length)
{
    const uint8_t buf[] = {0x00, 0x00, 0x01};
    const uint8_t *p;
    size_t plen, flen;
    cr_assert_eq(emu_vpcd_next_frame(buf, sizeof buf, EMU_VPCD_PAYLOAD_MAX, &p, &plen, &flen),
                 EMU_VPCD_FRAME_ZERO);
}

Test(vpcd_frame, oversized_length_refused_before_payload)
{
    /* Only the header is there: the refusal must not wait for 400 bytes. */
    const uint8_t buf[] = {0x01, 0x90};
    const uint8_t *p;
    size_t plen, flen;
    cr_assert_eq(emu_vpcd_next_frame(buf, sizeof buf, 300, &p, &plen, &flen),
                 EMU_VPCD_FRAME_TOO_LONG);
    cr_assert_eq(emu_vpcd_next_frame(buf, sizeof buf, 400, &p, &plen, &flen),
                 EMU_VPCD_FRAME_PARTIAL);
}

Test(vpcd_frame, largest_frame)
{
    static uint8_t buf[EMU_VPCD_FRAME_MAX];
    buf[0] = 0xFF;
    buf[1] = 0xFF;
    const uint8_t *p;
    size_t plen, flen;
    cr_assert_eq(emu_vpcd_next_frame(buf, sizeof buf, EMU_VPCD_PAYLOAD_MAX, &p, &plen, &flen),
                 EMU_VPCD_FRAME_OK);
    cr_assert_eq(plen, 65535);
    cr_assert_eq(flen, EMU_VPCD_FRAME_MAX);
}

/* ---- emu_vpcd_handle ---- */

static emu_vpcd_action handle(const uint8_t *payload, size_t len, uint8_t *out, size_t *out_len)
{
    return emu_vpcd_handle(&emu_vpcd_card_ops, card, payload, len, out, EMU_VPCD_FRAME_MAX,
                           out_len);
}

Test(vpcd_frame, get_atr_replies_with_profile_atr)
{
    static uint8_t out[EMU_VPCD_FRAME_MAX];
    size_t out_len = 0, atr_len;
    const uint8_t ctrl = EMU_VPCD_CTRL_ATR;
    const uint8_t *atr = emu_card_atr(card, &atr_len);
    cr_assert_eq(handle(&ctrl, 1, out, &out_len), EMU_VPCD_REPLY);
    cr_assert_eq(out_len, 2 + atr_len);
    cr_assert_eq(out[0], 0);
    cr_assert_eq(out[1], atr_len);
    cr_assert_arr_eq(out + 2, atr, atr_len);
    cr_assert_eq(out[2], 0x3B);
}

Test(vpcd_frame, power_and_reset_send_no_reply)
{
    static uint8_t out[EMU_VPCD_FRAME_MAX];
    size_t out_len = 12345;
    const uint8_t codes[] = {EMU_VPCD_CTRL_ON, EMU_VPCD_CTRL_RESET, EMU_VPCD_CTRL_OFF};
    for (size_t i = 0; i < sizeof codes; i++)
        cr_assert_eq(handle(&codes[i], 1, out, &out_len), EMU_VPCD_NO_REPLY, "code %02X", codes[i]);
    cr_assert_eq(out_len, 12345, "no reply length written");
}

Test(vpcd_frame, unknown_control_code)
{
    static uint8_t out[EMU_VPCD_FRAME_MAX];
    size_t out_len;
    const uint8_t codes[] = {0x03, 0x05, 0xFF};
    for (size_t i = 0; i < sizeof codes; i++)
        cr_assert_eq(handle(&codes[i], 1, out, &out_len), EMU_VPCD_BAD_CONTROL, "code %02X",
                     codes[i]);
}

Test(vpcd_frame, apdu_reaches_the_card)
{
    static uint8_t out[EMU_VPCD_FRAME_MAX];
    size_t out_len;
    const uint8_t select[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01};
    const uint8_t read[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
    cr_assert_eq(handle(select, sizeof select, out, &out_len), EMU_VPCD_REPLY);
    cr_assert_eq(out_len, 4);
    cr_assert_eq(out[2], 0x90);
    cr_assert_eq(out[3], 0x00);
    cr_assert_eq(handle(read, sizeof read, out, &out_len), EMU_VPCD_REPLY);
    cr_assert_eq(out_len, 2 + 256 + 2);
    cr_assert_eq(out[0], 0x01);
    cr_assert_eq(out[1], 0x02);
    for (int i = 0; i < 256; i++)
        cr_assert_eq(out[2 + i], i, "byte %d", i);
    cr_assert_eq(out[258], 0x90);
}

Test(vpcd_frame, reply_bounded_by_buffer)
{
    uint8_t out[2 + 16];
    size_t out_len;
    const uint8_t select[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01};
    const uint8_t read[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
    handle(select, sizeof select, out, &out_len);
    cr_assert_eq(
        emu_vpcd_handle(&emu_vpcd_card_ops, card, read, sizeof read, out, sizeof out, &out_len),
        EMU_VPCD_REPLY);
    cr_assert_leq(out_len, sizeof out);
    cr_assert_eq((size_t)(out[0] << 8 | out[1]), out_len - 2);
}

/* ---- emu_vpcd_serve over a socketpair ---- */

typedef struct served {
    int fd;
    size_t max_payload;
    emu_vpcd_end end;
} served;

static void *serve_thread(void *arg)
{
    served *s = arg;
    s->end = emu_vpcd_serve(s->fd, &emu_vpcd_card_ops, card, s->max_payload, "test");
    close(s->fd);
    return NULL;
}

typedef struct test_link {
    int peer;
    pthread_t thread;
    served s;
} test_link;

static void test_link_start(test_link *l, size_t max_payload)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    l->peer = sv[0];
    l->s.fd = sv[1];
    l->s.max_payload = max_payload;
    cr_assert_eq(pthread_create(&l->thread, NULL, serve_thread, &l->s), 0);
}

static emu_vpcd_end test_link_finish(test_link *l)
{
    shutdown(l->peer, SHUT_WR);
    pthread_join(l->thread, NULL);
    close(l->peer);
    return l->s.end;
}

static void send_bytes(int fd, const void *buf, size_t len)
{
    cr_assert_eq(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void recv_exact(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        cr_assert_gt(n, 0, "peer closed after %zu of %zu bytes", got, len);
        got += (size_t)n;
    }
}

/* Reads one reply frame; returns its payload length. */
static size_t recv_frame(int fd, uint8_t *payload, size_t cap)
{
    uint8_t hdr[2];
    recv_exact(fd, hdr, 2);
    size_t n = (size_t)hdr[0] << 8 | hdr[1];
    cr_assert_leq(n, cap);
    recv_exact(fd, payload, n);
    return n;
}

Test(vpcd_frame, serve_session_like_vpcd)
{
    test_link l;
    test_link_start(&l, 0);
    uint8_t reply[300];
    /* vpcd writes the length and the payload with two send() calls. */
    send_bytes(l.peer, "\x00\x01", 2);
    send_bytes(l.peer, "\x01", 1); /* power on */
    send_bytes(l.peer, "\x00\x01", 2);
    send_bytes(l.peer, "\x04", 1); /* get ATR */
    size_t n = recv_frame(l.peer, reply, sizeof reply);
    size_t atr_len;
    const uint8_t *atr = emu_card_atr(card, &atr_len);
    cr_assert_eq(n, atr_len);
    cr_assert_arr_eq(reply, atr, atr_len);
    /* Two APDUs in one write: both answered, in order. */
    const uint8_t two[] = {0x00, 0x07, 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01,
                           0x01, 0x00, 0x05, 0x00, 0xB0, 0x00, 0x00, 0x00};
    send_bytes(l.peer, two, sizeof two);
    cr_assert_eq(recv_frame(l.peer, reply, sizeof reply), 2);
    cr_assert_eq(reply[0], 0x90);
    cr_assert_eq(recv_frame(l.peer, reply, sizeof reply), 258);
    cr_assert_eq(reply[255], 255);
    cr_assert_eq(reply[256], 0x90);
    cr_assert_eq(test_link_finish(&l), EMU_VPCD_END_EOF);
}

Test(vpcd_frame, serve_ends_on_zero_length)
{
    test_link l;
    test_link_start(&l, 0);
    send_bytes(l.peer, "\x00\x00", 2);
    pthread_join(l.thread, NULL);
    cr_assert_eq(l.s.end, EMU_VPCD_END_ZERO);
    close(l.peer);
}

Test(vpcd_frame, serve_ends_on_oversized_length)
{
    test_link l;
    test_link_start(&l, 300);
    send_bytes(l.peer, "\x01\x90", 2); /* 400 > 300, and the payload never comes */
    pthread_join(l.thread, NULL);
    cr_assert_eq(l.s.end, EMU_VPCD_END_TOO_LONG);
    /* The serving side closed its end: the peer sees EOF, not a reply. */
    uint8_t b;
    cr_assert_eq(recv(l.peer, &b, 1, 0), 0);
    close(l.peer);
}

Test(vpcd_frame, serve_ends_on_truncated_frame)
{
    test_link l;
    test_link_start(&l, 0);
    send_bytes(l.peer, "\x00\x0A\x00\xA4\x02", 5); /* 10 announced, 3 sent, then EOF */
    cr_assert_eq(test_link_finish(&l), EMU_VPCD_END_TRUNCATED);
}

Test(vpcd_frame, serve_ends_on_truncated_header)
{
    test_link l;
    test_link_start(&l, 0);
    send_bytes(l.peer, "\x00", 1);
    cr_assert_eq(test_link_finish(&l), EMU_VPCD_END_TRUNCATED);
}

Test(vpcd_frame, serve_ends_on_unknown_control)
{
    test_link l;
    test_link_start(&l, 0);
    send_bytes(l.peer, "\x00\x01\x03", 3);
    pthread_join(l.thread, NULL);
    cr_assert_eq(l.s.end, EMU_VPCD_END_BAD_CONTROL);
    close(l.peer);
}

Test(vpcd_frame, serve_eof_at_once)
{
    test_link l;
    test_link_start(&l, 0);
    cr_assert_eq(test_link_finish(&l), EMU_VPCD_END_EOF);
}

/* ---- connect ---- */

static uint16_t unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    close(fd);
    return ntohs(sa.sin_port);
}

typedef struct late_listener {
    uint16_t port;
    int accepted;
} late_listener;

static void *listen_late(void *arg)
{
    late_listener *l = arg;
    /* Nothing listens at first: the client must retry. */
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(l->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 1) == 0) {
        int c = accept(fd, NULL, NULL);
        if (c >= 0) {
            /* Ask for the ATR like vpcd, so the test sees a working test_link. */
            send(c, "\x00\x01\x04", 3, MSG_NOSIGNAL);
            uint8_t hdr[2];
            l->accepted = recv(c, hdr, 2, MSG_WAITALL) == 2 ? 1 : -1;
            close(c);
        }
    }
    close(fd);
    return NULL;
}

Test(vpcd_connect, retries_until_listener_appears, .init = load_card, .fini = free_card)
{
    late_listener l = {.port = unused_port()};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, listen_late, &l), 0);
    int fd = emu_vpcd_connect(l.port, 10000, "test");
    cr_assert_geq(fd, 0);
    cr_assert_eq(emu_vpcd_serve(fd, &emu_vpcd_card_ops, card, 0, "test"), EMU_VPCD_END_EOF);
    close(fd);
    pthread_join(t, NULL);
    cr_assert_eq(l.accepted, 1);
}

Test(vpcd_connect, gives_up_after_timeout)
{
    cr_assert_eq(emu_vpcd_connect(unused_port(), 100, "test"), -1);
}

Test(vpcd_connect, parse_address)
{
    uint16_t port = 0;
    cr_assert_eq(emu_vpcd_parse_address("127.0.0.1:35963", &port), 0);
    cr_assert_eq(port, 35963);
    cr_assert_eq(emu_vpcd_parse_address("localhost:1", &port), 0);
    cr_assert_eq(port, 1);
    const char *bad[] = {"10.0.0.1:35963",   "127.0.0.1:",   "127.0.0.1:0", "127.0.0.1:65536",
                         "127.0.0.1:12x",    ":35963",       "35963",       "127.0.0.1:-1",
                         "localhost.evil:1", "0.0.0.0:35963"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(emu_vpcd_parse_address(bad[i], &port), -1, "%s", bad[i]);
}
