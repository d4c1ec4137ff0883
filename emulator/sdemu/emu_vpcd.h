/* The vpcd link: a card as a TCP client of vsmartcard's vpcd driver.
 *
 * Wire format, both directions: 2-byte big-endian length, then the payload. A 1-byte payload is
 * a control code (00 power off, 01 power on, 02 reset: no reply; 04 get ATR: one reply frame
 * holding the ATR). A longer payload is a command APDU, answered by one frame holding the
 * response APDU.
 *
 * The frame logic (emu_vpcd_next_frame, emu_vpcd_handle) is pure and separate from the socket
 * (emu_vpcd_connect, emu_vpcd_serve) so it can be unit-tested and fuzzed. The card behind the
 * link is reached through emu_vpcd_ops, so any card (the card OS, the minimal reference card)
 * can sit behind it. */
#ifndef EMU_VPCD_H
#define EMU_VPCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest payload one frame can carry (a 16-bit length). A command APDU above this cannot reach
 * the card through vpcd; CODEC_CAPDU_MAX is larger, so this is the binding limit. */
#define EMU_VPCD_PAYLOAD_MAX 65535u

/* Buffer size for one whole frame: the length prefix and the largest payload. */
#define EMU_VPCD_FRAME_MAX (2u + EMU_VPCD_PAYLOAD_MAX)

/* Control codes vpcd sends as 1-byte payloads. */
enum {
    EMU_VPCD_CTRL_OFF = 0x00,
    EMU_VPCD_CTRL_ON = 0x01,
    EMU_VPCD_CTRL_RESET = 0x02,
    EMU_VPCD_CTRL_ATR = 0x04,
};

/* The card behind the link. `ctx` is passed back unchanged. */
typedef struct emu_vpcd_ops {
    void (*power_on)(void *ctx);
    void (*power_off)(void *ctx);
    void (*reset)(void *ctx);
    /* The ATR; *len receives its length (at most EMU_VPCD_PAYLOAD_MAX is sent). */
    const uint8_t *(*atr)(void *ctx, size_t *len);
    /* Answers one command APDU into resp[0..cap) (cap >= 2); returns the response length,
     * 2..cap, or EMU_VPCD_DROP to end the connection without answering (fault injection). */
    size_t (*transmit)(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t cap);
} emu_vpcd_ops;

/* A transmit result asking the link to close the connection without answering: the peer sees
 * the card vanish in the middle of a command. */
#define EMU_VPCD_DROP SIZE_MAX

/* Outcome of looking for one frame at the start of a byte stream. */
typedef enum emu_vpcd_frame_status {
    EMU_VPCD_FRAME_OK = 0,   /* a whole frame is there */
    EMU_VPCD_FRAME_PARTIAL,  /* more bytes are needed (also: truncated at end of stream) */
    EMU_VPCD_FRAME_ZERO,     /* length 0: never sent by vpcd; the stream is out of step */
    EMU_VPCD_FRAME_TOO_LONG, /* length above the connection's payload limit */
} emu_vpcd_frame_status;

/* Looks for one frame at buf[0..len). On EMU_VPCD_FRAME_OK sets *payload, *payload_len and
 * *frame_len (prefix + payload, the bytes to consume). Payloads longer than `max_payload` are
 * refused without waiting for their bytes. Never reads outside buf[0..len). */
emu_vpcd_frame_status emu_vpcd_next_frame(const uint8_t *buf, size_t len, size_t max_payload,
                                          const uint8_t **payload, size_t *payload_len,
                                          size_t *frame_len);

/* What handling one frame asks of the link. */
typedef enum emu_vpcd_action {
    EMU_VPCD_NO_REPLY = 0, /* power off, power on, reset */
    EMU_VPCD_REPLY,        /* send out[0..*out_len), a whole frame with its length prefix */
    EMU_VPCD_BAD_CONTROL,  /* unknown 1-byte control code: end the connection */
    EMU_VPCD_DROPPED,      /* the card asked to drop the connection (EMU_VPCD_DROP) */
} emu_vpcd_action;

/* Handles one frame payload (1..EMU_VPCD_PAYLOAD_MAX bytes) against the card. On
 * EMU_VPCD_REPLY writes the whole reply frame (2-byte length + payload) into out[0..cap) and
 * sets *out_len. `cap` must be at least 4; a response never exceeds min(cap - 2,
 * EMU_VPCD_PAYLOAD_MAX) payload bytes. */
emu_vpcd_action emu_vpcd_handle(const emu_vpcd_ops *ops, void *ctx, const uint8_t *payload,
                                size_t payload_len, uint8_t *out, size_t cap, size_t *out_len);

/* Why emu_vpcd_serve returned. */
typedef enum emu_vpcd_end {
    EMU_VPCD_END_EOF = 0,     /* the peer closed between frames: card removed, normal end */
    EMU_VPCD_END_TRUNCATED,   /* the peer closed in the middle of a frame */
    EMU_VPCD_END_ZERO,        /* a zero-length frame */
    EMU_VPCD_END_TOO_LONG,    /* a frame longer than the limit */
    EMU_VPCD_END_BAD_CONTROL, /* an unknown control code */
    EMU_VPCD_END_IO,          /* recv/send failed (errno in the message) */
    EMU_VPCD_END_NOMEM,       /* no memory for the frame buffers */
    EMU_VPCD_END_DROPPED,     /* the card dropped the connection mid-command (EMU_VPCD_DROP) */
} emu_vpcd_end;

/* A short English description of an end reason. Never NULL. */
const char *emu_vpcd_end_describe(emu_vpcd_end end);

/* Serves frames read from the connected stream socket `fd` until the peer closes or an error
 * ends the connection; replies go to the same fd, each frame in one send(). Sets TCP_QUICKACK
 * after every recv (it is not sticky; without it each exchange stalls about 40 ms; on non-TCP
 * sockets the call fails harmlessly). `max_payload` is the largest accepted payload
 * (0: EMU_VPCD_PAYLOAD_MAX). Does not close fd. Logs the reason for any end but EOF on stderr
 * as "sdemu: ..." (prefix `name`). */
emu_vpcd_end emu_vpcd_serve(int fd, const emu_vpcd_ops *ops, void *ctx, size_t max_payload,
                            const char *name);

/* One connection's receive state, for callers that poll() the vpcd socket together with other
 * descriptors (emu_vpcd_serve is the blocking loop over the same steps). */
typedef struct emu_vpcd_link {
    uint8_t *in;  /* EMU_VPCD_FRAME_MAX bytes: a partial frame waiting for more */
    uint8_t *out; /* EMU_VPCD_FRAME_MAX bytes: the reply being sent */
    size_t have;  /* bytes in `in` */
    size_t max_payload;
    const char *name;
} emu_vpcd_link;

/* Allocates the buffers; `max_payload` 0 means EMU_VPCD_PAYLOAD_MAX, `name` is used in log
 * messages. Returns 0, or -1 when out of memory (then emu_vpcd_link_free is still safe). */
int emu_vpcd_link_init(emu_vpcd_link *link, size_t max_payload, const char *name);

/* Frees the buffers; safe on a zeroed or already freed link. */
void emu_vpcd_link_free(emu_vpcd_link *link);

/* Forgets any partial frame: call before serving a new connection. */
void emu_vpcd_link_clear(emu_vpcd_link *link);

/* One recv() on `fd` (call when poll() says it is readable), then answers every whole frame
 * received. Returns true while the connection goes on, false with *end set when it ended
 * (nothing is logged for EMU_VPCD_END_EOF and EMU_VPCD_END_DROPPED; other reasons are logged on
 * stderr as emu_vpcd_serve does). Sets TCP_QUICKACK after the recv. */
bool emu_vpcd_link_step(emu_vpcd_link *link, int fd, const emu_vpcd_ops *ops, void *ctx,
                        emu_vpcd_end *end);

/* One attempt to connect to 127.0.0.1:port, without waiting (over loopback a refused or an
 * accepted connect returns at once). Sets TCP_NODELAY. Returns the connected fd, or -1 with
 * errno set (ECONNREFUSED: nothing listens). */
int emu_vpcd_try_connect(uint16_t port);

/* Connects to 127.0.0.1:port, retrying while nothing listens, for at most timeout_ms
 * milliseconds. Sets TCP_NODELAY. Returns the connected fd, or -1 with a message on stderr. */
int emu_vpcd_connect(uint16_t port, int timeout_ms, const char *name);

/* Parses "127.0.0.1:PORT" or "localhost:PORT" (other hosts are refused: vpcd binds every
 * interface, the card connects only over loopback). Returns 0 and sets *port, or -1. */
int emu_vpcd_parse_address(const char *text, uint16_t *port);

#endif
