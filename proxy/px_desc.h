/* The object table of a device: device descriptions, YAML files (vectors/devices/) that say
 * which objects a card holds and where (all of it for cards without ISO/IEC 7816-15 data, what
 * 7816-15 cannot say for the others), merged with what discovery (px_p15.c) reads from the card.
 * Card-specific knowledge lives there, not in code. Format: docs/api.md, "Device descriptions". */
#ifndef PX_DESC_H
#define PX_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isoiec23465.h"

#define PX_DESC_MAX_APPS 32
#define PX_DESC_MAX_OBJECTS 128 /* the table is a fixed array: footprint (64 KB budget) */
#define PX_DESC_MAX_PATH 16     /* bytes: up to 8 file identifiers */
#define PX_DESC_MAX_ID 20       /* a SHA-1 key identifier */
#define PX_AID_MAX 16
#define PX_DESC_MAX_FILES 256 /* descriptions read from one directory */

typedef struct px_desc_app {
    char *label;
    uint8_t aid[PX_AID_MAX];
    size_t aid_len;
    /* The application's DF as a path from the MF (3F00 ...), 0 when not known: objects whose
     * absolute path lies inside it belong to the application (7816-15 discovery). */
    uint8_t path[PX_DESC_MAX_PATH];
    size_t path_len;
    bool discovered; /* listed by EF.DIR, not by the description */
    bool deleted;    /* removed by deleteApplication; the entry stays (handles index it) */
} px_desc_app;

/* Operations a container's access conditions are given for (isoIec23465_Operation - 1). */
#define PX_OPS 5
/* Values of px_desc_obj.auth[op] other than an object index. */
#define PX_AUTH_ALWAYS (-1)  /* no authenticator needed */
#define PX_AUTH_NEVER (-2)   /* the operation is never allowed */
#define PX_AUTH_UNKNOWN (-3) /* neither discovery nor the description said */

/* How a password is put into VERIFY / CHANGE / RESET RETRY COUNTER data. */
typedef enum px_pin_encoding {
    PX_PIN_ASCII = 0,   /* the characters as given (UTF-8) */
    PX_PIN_BCD = 1,     /* two digits per byte */
    PX_PIN_FORMAT2 = 2, /* ISO 9564-1 format 2: 2L, BCD digits, F-padded to 8 bytes */
} px_pin_encoding;

/* File structures a DataContainer may have. */
typedef enum px_structure {
    PX_STRUCT_TRANSPARENT = 0,
    PX_STRUCT_LINEAR_FIXED = 1,
    PX_STRUCT_LINEAR_VARIABLE = 2,
    PX_STRUCT_CYCLIC = 3,
} px_structure;

#define PX_MAX_ALGS 16

/* One mechanism the device offers for a key, and the algorithm reference (MSE tag 80) that
 * selects it: card-specific knowledge from the description ("algorithms"). */
typedef struct px_desc_alg {
    /* One byte each (the table is copied into every key: footprint). */
    uint8_t mechanism; /* isoIec23465_Mechanism */
    uint8_t hash; /* isoIec23465_Hash; isoIec23465_HashNone: the card takes the data as given */
    uint8_t ref;
    /* ISOIEC23465_USAGE_* the reference serves (0: any). Tells apart references that share a
     * mechanism and hash, e.g. PKCS#1 v1.5 signature (sign, verify) and PKCS#1 v1.5 encryption
     * (encrypt, decrypt): a key gets the entries whose usage meets its own. */
    uint8_t usage;
} px_desc_alg;

/* Device-level algorithm table entries (description key `algorithms:`). */
#define PX_DESC_MAX_DEVICE_ALGS 32

/* px_desc_obj.given: fields a description gave explicitly (others it leaves to discovery).
 * Fields with a "not given" value of their own (auth[] PX_AUTH_UNKNOWN, pin_max_tries -1,
 * key_type 0, key_bits 0, pair / cert -1) need no bit. */
#define PX_GIVEN_ID (1u << 0)
#define PX_GIVEN_PATH (1u << 1) /* path and app */
#define PX_GIVEN_STRUCTURE (1u << 2)
#define PX_GIVEN_PIN_REF (1u << 3)
#define PX_GIVEN_PIN_ENCODING (1u << 4)
#define PX_GIVEN_PIN_MIN (1u << 5)
#define PX_GIVEN_PIN_MAX (1u << 6)
#define PX_GIVEN_PIN_STORED (1u << 7)  /* pad_to */
#define PX_GIVEN_PIN_PAD (1u << 8)     /* pad_byte */
#define PX_GIVEN_PIN_UNBLOCK (1u << 9) /* unblocked_by, including "none" */
#define PX_GIVEN_KEY_REF (1u << 10)
#define PX_GIVEN_USAGE (1u << 11)
#define PX_GIVEN_ALGS (1u << 12)

typedef struct px_desc_obj {
    isoIec23465_ObjectType type;
    char *label;
    uint8_t id[PX_DESC_MAX_ID];
    size_t id_len;
    uint8_t path[PX_DESC_MAX_PATH]; /* from the MF (starts 3F00), or inside `app` */
    size_t path_len;
    int app;         /* index into apps, -1 for objects reached from the MF */
    bool discovered; /* from ISO/IEC 7816-15 (else from a description) */
    bool deleted;    /* removed by deleteObject/deleteApplication; the entry stays (handles) */

    /* SensitiveContainer (and keys: op Use): who guards each operation; PX_AUTH_* or the
     * index in objs[] of the Password. */
    int auth[PX_OPS];
    px_structure structure; /* DataContainer: file structure */

    /* Password (type isoIec23465_TypePassword) */
    uint8_t pin_ref; /* P2 of VERIFY: 0x01..0x1F global, 0x81.. DF-specific */
    px_pin_encoding pin_encoding;
    size_t pin_min, pin_max; /* length range of the value, in characters */
    size_t pin_stored;       /* bytes of VERIFY data after padding; 0 = no padding */
    uint8_t pin_pad;         /* padding byte */
    int pin_max_tries;       /* -1 when unknown */
    int pin_unblock;         /* index in objs[] of the reset code (PUK), -1 none */
    uint32_t pin_flags;      /* codec_p15_pin_flags */

    /* Keys (PrivateKey / PublicKey / SecretKey) and CertificateContainer */
    uint8_t key_ref; /* MSE tag 83/84, P2 of GENERATE / AUTHENTICATE */
    isoIec23465_KeyType key_type;
    size_t key_bits;
    unsigned usage; /* ISOIEC23465_USAGE_* */
    px_desc_alg algs[PX_MAX_ALGS];
    size_t n_algs;
    int pair; /* private key <-> public key object in objs[], -1 none */
    int cert; /* private key -> its certificate, certificate -> its private key; -1 none */

    uint32_t given; /* PX_GIVEN_*: what a description gave (0 for discovered entries) */
} px_desc_obj;

typedef struct px_desc {
    char *file;
    char *name;
    char *manufacturer;
    char *product;
    char *os_version; /* OS / firmware version (attribute OsVersion) */
    /* match: every given criterion must hold */
    uint8_t atr[33];
    uint8_t atr_mask[33];
    size_t atr_len; /* 0: ATR not used for matching */
    uint8_t match_aid[PX_AID_MAX];
    size_t match_aid_len; /* 0: no SELECT for matching */
    int device_type;      /* isoIec23465_DeviceType, 0 when not given */
    int extended_length;  /* -1 not given, 0 no, 1 yes */
    size_t max_response;  /* 0 when not given */
    char api_levels[16];
    px_desc_app apps[PX_DESC_MAX_APPS];
    size_t n_apps;
    px_desc_obj objs[PX_DESC_MAX_OBJECTS];
    size_t n_objs;
    /* `algorithms:` the card's algorithm references; each key's algs[] holds the entries
     * that fit its type and usage (px_desc_assign_algs). */
    px_desc_alg algs[PX_DESC_MAX_DEVICE_ALGS];
    size_t n_algs;

    /* From ISO/IEC 7816-15 discovery (proxy/px_p15.c); NULL / 0 when the card has none. */
    char *serial;             /* TokenInfo serialNumber as text (hex when not printable) */
    char *token_manufacturer; /* TokenInfo manufacturerID */
    char *token_label;        /* TokenInfo label */
    bool p15_found;           /* the card carries a PKCS#15 application */
    unsigned p15_apdus;       /* commands discovery sent (without GET RESPONSE) */
    char p15_note[256];       /* first problem discovery met ("" none); objects after it in the
                                 same file are missing */
} px_desc;

/* Loads one description. On failure returns NULL and writes "file: where: why" into err. */
px_desc *px_desc_load_file(const char *path, char *err, size_t errcap);

/* Same from a buffer; `name` is used in messages. */
px_desc *px_desc_load_buffer(const char *yaml, size_t len, const char *name, char *err,
                             size_t errcap);

void px_desc_free(px_desc *d);

/* Sets an object entry to "nothing known": app -1, every auth PX_AUTH_UNKNOWN, no tries, no
 * unblocking PIN, no pair, no certificate. */
void px_desc_obj_init(px_desc_obj *o);

/* True when the description's ATR criterion (if any) holds for atr[0..len). */
bool px_desc_match_atr(const px_desc *d, const uint8_t *atr, size_t len);

/* The descriptions directory: $SDPROXY_DEVICES, else the compiled-in default. */
const char *px_desc_dir(void);

/* Loads every *.yaml of `dir` (at most PX_DESC_MAX_FILES), sorted by file name, into *out
 * (malloc'ed, *count entries; NULL and 0 when there is none or no directory). A file that does
 * not load is skipped with its message in `err` (the last one). Returns false when memory ran
 * out: then *out is NULL, *count 0, nothing stays allocated and `err` says so. */
bool px_desc_load_dir(const char *dir, px_desc ***out, size_t *count, char *err, size_t errcap);

/* An empty description (no match criteria, no objects) for a device that no description
 * matched; NULL on no memory. */
px_desc *px_desc_new_empty(void);

/* Merges a description into what discovery found: `found` (discovered objects, apps, TokenInfo)
 * and `desc` (the matched description, or NULL) give a new table. Discovered objects come first,
 * in discovery order; a description object with the same class and label, the same class and
 * path (in the same application), or the same class and reference (passwords, private and
 * secret keys) overrides the fields it gives; the others are appended. Index fields (auth,
 * pin_unblock, pair, cert, app) are renumbered. Returns NULL on no memory. Neither input is
 * changed. */
px_desc *px_desc_merge(const px_desc *found, const px_desc *desc);

/* Sets the algs[] of every key that the description did not give explicitly to the device
 * table entries that fit the key's type (RSA, EC, AES) and usage. */
void px_desc_assign_algs(px_desc *d);

/* Frees what px_desc_load_dir returned. */
void px_desc_free_all(px_desc **list, size_t n);

#endif
