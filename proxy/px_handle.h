/* Handles: one struct for every class, a class tag checked at run time, and a registry of live
 * handles so that a stale pointer is refused (IllegalState) instead of dereferenced. */
#ifndef PX_HANDLE_H
#define PX_HANDLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isoiec23465.h"
#include "px_desc.h"
#include "px_transport.h"

/* What is known about a device before and after connecting (our Table 2). */
typedef struct px_devinfo {
    char identifier[300];
    char name[256];
    char spec[300]; /* what connect opens: "pcsc:<reader>" or "emu:<path>" */
    isoIec23465_DeviceType type;
    isoIec23465_Interface iface;
    isoIec23465_Presence presence;
    uint8_t atr[PX_ATR_MAX];
    size_t atr_len;
    int extended_length;  /* from the ATR's card capabilities; -1 unknown */
    int logical_channels; /* from the ATR; 1 when not said */
    int chaining;         /* from the ATR; 0 when not said */
    /* From EF.ATR/INFO's extended length information (connected devices): the largest command
     * APDU and response APDU (SW included) in bytes; 0 when not said. */
    size_t max_command;
    size_t max_response;
    bool efatr; /* EF.ATR/INFO was read and is well formed */
} px_devinfo;

/* One connection; shared by the device handle and every object under it. Reference counted so
 * that a call that validated a handle can still lock it after a concurrent disconnect. */
typedef struct px_conn {
    pthread_mutex_t lock; /* serialises calls on the device */
    int refs;             /* guarded by the registry lock */
    bool open;
    px_transport tr;
    px_devinfo info;
    px_desc *desc;       /* matched description, NULL when none */
    size_t max_le;       /* largest Ne used for READ BINARY */
    bool ext;            /* extended length used */
    bool in_transaction; /* px_apdu_begin succeeded */
    /* Response buffer: the frames of one exchange are received one after the other into it, so
     * it also assembles GET RESPONSE chains. Allocated on demand (px_conn_reserve) to what the
     * exchange can receive, and given back by px_conn_trim when an API call ends, so an idle
     * connection holds at most PX_RBUF_KEEP bytes. Wiped whenever its memory goes back (it may
     * hold decrypted data). NULL until the first exchange. */
    uint8_t *rbuf;
    size_t rcap;     /* bytes allocated at rbuf */
    uint8_t *abuf;   /* unused (the response is assembled in rbuf); always NULL */
    uint8_t *cbuf;   /* unused (commands are encoded per call); always NULL */
    uint8_t channel; /* logical channel of the current call (CLA bits), set by px_handle_enter */
} px_conn;

/* Response buffer kept by an idle connection: a short response APDU (256 data bytes + SW)
 * and a little more; larger buffers live only during the call that needed them. */
#define PX_RBUF_KEEP 1024

struct isoIec23465_Handle {
    uint32_t magic;
    isoIec23465_ObjectType type;
    struct isoIec23465_Handle *parent; /* owner: released with it */
    px_conn *conn;                     /* device and objects */
    /* device list */
    struct isoIec23465_Handle **entries;
    size_t n_entries;
    /* device entry */
    px_devinfo info;
    /* device: its root application handle (or NULL) */
    struct isoIec23465_Handle *root;
    /* objects */
    char label[256];
    uint8_t id[PX_DESC_MAX_ID > PX_AID_MAX ? PX_DESC_MAX_ID : PX_AID_MAX];
    size_t id_len;
    int app;                 /* application index in conn->desc, -1 MF / unknown */
    uint8_t aid[PX_AID_MAX]; /* applications: their AID */
    size_t aid_len;
    const px_desc_obj *obj; /* containers: their description entry */
    /* Logical channel the object's commands use (0: the basic channel). An application opened
     * on its own channel sets it; handles created under a parent inherit it (px_handle_new),
     * and px_handle_enter makes it the connection's channel for the call. */
    uint8_t channel;
    /* px_handle_free: the next handle to free once unregistered */
    struct isoIec23465_Handle *next_victim;
};

/* Allocates and registers a handle of `type` owned by `parent` (NULL for top-level handles).
 * The handle inherits the parent's logical channel. */
isoIec23465_Handle *px_handle_new(isoIec23465_ObjectType type, isoIec23465_Handle *parent,
                                  px_conn *conn);

/* Frees `h` and, first, every live handle it owns (transitively). Does not touch the
 * connection beyond dropping the handle's reference. NULL is accepted. */
void px_handle_free(isoIec23465_Handle *h);

/* Collects into out[0..cap) the logical channels owned by `h` and the live handles under it: an
 * application handle owns its channel when it differs from its parent's (objects under it only
 * inherit it). Returns how many were written. NULL or a stale handle gives 0. */
size_t px_handle_channels(const isoIec23465_Handle *h, uint8_t *out, size_t cap);

/* True when `type` is `base` or derives from it. */
bool px_type_is_a(isoIec23465_ObjectType type, isoIec23465_ObjectType base);

/* Validates `h` as a live handle of class `base` (or a subclass; 0: any class) and, for handles
 * bound to a connection, takes the connection's lock after a reference on it and checks it is open;
 * the connection's channel becomes the handle's (h->channel) for the call.
 * On success *conn is the locked connection (NULL for list/entry handles); release it with
 * px_handle_leave. On failure sets the error details (IllegalArgument for NULL or a wrong
 * class, IllegalState for a stale handle or a closed device) and returns the status. */
isoIec23465_Status px_handle_enter(const isoIec23465_Handle *h, isoIec23465_ObjectType base,
                                   px_conn **conn);

/* Gives back the response buffer beyond PX_RBUF_KEEP bytes, then unlocks and unreferences a
 * connection from px_handle_enter (NULL accepted). Response data of the call is invalid after. */
void px_handle_leave(px_conn *conn);

/* Makes conn->rbuf hold at least `cap` bytes (contents up to the old capacity kept; the old
 * block is wiped and freed). False when out of memory (the buffer is unchanged then). The
 * connection must be locked. */
bool px_conn_reserve(px_conn *conn, size_t cap);

/* Wipes and frees conn->rbuf when it grew beyond PX_RBUF_KEEP bytes (the next exchange
 * allocates what it needs). Called when an API call ends (px_apdu_end, px_handle_leave); the
 * connection must be locked. */
void px_conn_trim(px_conn *conn);

/* Creates a connection around an opened transport (takes it over). NULL on no memory (the
 * transport is closed then). The connection starts with one reference. */
px_conn *px_conn_new(const px_transport *tr);

/* Drops a reference; the last one closes the transport and frees the connection. */
void px_conn_unref(px_conn *conn);

/* Wraps an opened transport into a connected device handle (takes the transport over): reads
 * the ATR, matches a device description, sets the READ BINARY chunk size. `info` gives the
 * identity attributes. Used by connect and by tests/fuzzing with the fake transport. */
isoIec23465_Status px_connect_transport(const px_transport *tr, const px_devinfo *info,
                                        isoIec23465_SecurityDevice **device);

/* Copies text into buf/len following the API's buffer conventions. */
isoIec23465_Status px_out_text(const char *text, char *buf, size_t *len);

/* Copies bytes into buf/len following the API's buffer conventions. */
isoIec23465_Status px_out_bytes(const uint8_t *data, size_t n, uint8_t *buf, size_t *len);

#endif
