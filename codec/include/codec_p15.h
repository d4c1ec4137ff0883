/* ISO/IEC 7816-15 (PKCS#15) structures in DER: the EF.DIR application template, EF.OD,
 * EF.TokenInfo and the entries of AODF, PrKDF, PuKDF, SKDF, CDF and DODF. The card encodes with
 * these functions and the proxy decodes with them, so both sides share one definition.
 *
 * Byte strings (codec_p15_bytes) point into the caller's data: into the input when decoding,
 * at whatever the caller provides when encoding. Bit strings are held as uint32_t with named
 * bit n (ASN.1 numbering, n = 0 is the first bit) at 1u << n. Decoders read one entry at a time
 * from a codec_reader and move the cursor only on success; inside a SEQUENCE they skip at most
 * CODEC_P15_MAX_SKIP unknown trailing elements (ASN.1 extensions), nothing else. */
#ifndef CODEC_P15_H
#define CODEC_P15_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_bytes.h"

#define CODEC_P15_MAX_SKIP 16 /* unknown elements skipped in one SEQUENCE */

/* The PKCS#15 application identifier A0 00 00 00 63 50 4B 43 53 2D 31 35. */
extern const uint8_t codec_p15_aid[12];

typedef struct codec_p15_bytes {
    const uint8_t *data;
    size_t len;
} codec_p15_bytes;

/* Path ::= SEQUENCE { path OCTET STRING, index INTEGER OPTIONAL, length [0] INTEGER OPTIONAL } */
typedef struct codec_p15_path {
    codec_p15_bytes path; /* FIDs from the MF (3F00 ...), or relative */
    bool has_range;       /* index and length present */
    uint32_t index, length;
} codec_p15_path;

/* ---- EF.DIR: application template 61 { 4F AID, 50 label, 51 path } ---- */
typedef struct codec_p15_app {
    codec_p15_bytes aid;   /* mandatory, 1..16 bytes */
    codec_p15_bytes label; /* optional (len 0 = absent) */
    codec_p15_bytes path;  /* optional (len 0 = absent) */
} codec_p15_app;

/* Writes one application template; false (w->overflow) when it does not fit. */
bool codec_p15_write_app(codec_writer *w, const codec_p15_app *app);
/* Reads one application template 61 (unknown inner DOs are skipped). */
bool codec_p15_read_app(codec_reader *r, codec_p15_app *app);

/* ---- EF.OD ---- */
typedef enum codec_p15_df {
    CODEC_P15_PRKDF = 0, /* [0] */
    CODEC_P15_PUKDF = 1,
    CODEC_P15_PUKDF_TRUSTED = 2,
    CODEC_P15_SKDF = 3,
    CODEC_P15_CDF = 4,
    CODEC_P15_CDF_TRUSTED = 5,
    CODEC_P15_CDF_USEFUL = 6,
    CODEC_P15_DODF = 7,
    CODEC_P15_AODF = 8, /* [8] */
    CODEC_P15_DF_COUNT
} codec_p15_df;

/* One EF.OD entry: [type] { Path }. */
typedef struct codec_p15_od_entry {
    uint8_t type; /* codec_p15_df */
    codec_p15_path path;
} codec_p15_od_entry;

/* Writes one EF.OD entry. */
bool codec_p15_write_od_entry(codec_writer *w, const codec_p15_od_entry *e);
/* Reads one EF.OD entry (only the path choice of PathOrObjects). */
bool codec_p15_read_od_entry(codec_reader *r, codec_p15_od_entry *e);

/* ---- EF.TokenInfo ---- */
enum codec_p15_token_flags {
    CODEC_P15_TOKEN_READONLY = 1u << 0,
    CODEC_P15_TOKEN_LOGIN_REQUIRED = 1u << 1,
    CODEC_P15_TOKEN_PRN_GENERATION = 1u << 2,
    CODEC_P15_TOKEN_EID_COMPLIANT = 1u << 3,
};

typedef struct codec_p15_tokeninfo {
    uint32_t version;             /* 0 = v1 */
    codec_p15_bytes serial;       /* OCTET STRING, mandatory */
    codec_p15_bytes manufacturer; /* UTF8String, optional */
    codec_p15_bytes label;        /* [0] UTF8String, optional */
    uint32_t flags;               /* enum codec_p15_token_flags */
} codec_p15_tokeninfo;

/* Writes a TokenInfo SEQUENCE. */
bool codec_p15_write_tokeninfo(codec_writer *w, const codec_p15_tokeninfo *t);
/* Reads a TokenInfo SEQUENCE (later optional fields are skipped). */
bool codec_p15_read_tokeninfo(codec_reader *r, codec_p15_tokeninfo *t);

/* ---- CommonObjectAttributes ---- */
enum codec_p15_object_flags {
    CODEC_P15_OBJ_PRIVATE = 1u << 0,
    CODEC_P15_OBJ_MODIFIABLE = 1u << 1,
};

typedef struct codec_p15_object {
    codec_p15_bytes label;   /* UTF8String, optional */
    uint32_t flags;          /* enum codec_p15_object_flags; written when not 0 */
    codec_p15_bytes auth_id; /* the guarding authentication object, optional */
} codec_p15_object;

/* ---- AODF: password (PIN) authentication objects ---- */
enum codec_p15_pin_flags {
    CODEC_P15_PIN_CASE_SENSITIVE = 1u << 0,
    CODEC_P15_PIN_LOCAL = 1u << 1,
    CODEC_P15_PIN_CHANGE_DISABLED = 1u << 2,
    CODEC_P15_PIN_UNBLOCK_DISABLED = 1u << 3,
    CODEC_P15_PIN_INITIALIZED = 1u << 4,
    CODEC_P15_PIN_NEEDS_PADDING = 1u << 5,
    CODEC_P15_PIN_UNBLOCKING_PIN = 1u << 6,
    CODEC_P15_PIN_SO_PIN = 1u << 7,
    CODEC_P15_PIN_DISABLE_ALLOWED = 1u << 8,
};

typedef enum codec_p15_pin_type {
    CODEC_P15_PIN_BCD = 0,
    CODEC_P15_PIN_ASCII_NUMERIC = 1,
    CODEC_P15_PIN_UTF8 = 2,
    CODEC_P15_PIN_HALF_NIBBLE_BCD = 3,
    CODEC_P15_PIN_ISO9564_1 = 4,
} codec_p15_pin_type;

typedef struct codec_p15_pin {
    codec_p15_object obj;
    codec_p15_bytes auth_id; /* CommonAuthenticationObjectAttributes.authId, mandatory */
    uint32_t flags;          /* enum codec_p15_pin_flags */
    uint8_t type;            /* codec_p15_pin_type */
    uint32_t min_len, stored_len;
    bool has_max_len;
    uint32_t max_len;
    uint32_t reference; /* pwdReference [0], DEFAULT 0 (not written when 0); 0..255 */
    bool has_pad_char;
    uint8_t pad_char;
    bool has_path;
    codec_p15_path path;
} codec_p15_pin;

/* Writes one AODF entry (the pwd choice, a SEQUENCE). */
bool codec_p15_write_pin(codec_writer *w, const codec_p15_pin *p);
/* Reads one AODF entry; false for other choices (biometric, authKey...), see codec_p15_skip. */
bool codec_p15_read_pin(codec_reader *r, codec_p15_pin *p);

/* ---- CommonKeyAttributes ---- */
enum codec_p15_key_usage {
    CODEC_P15_USAGE_ENCRYPT = 1u << 0,
    CODEC_P15_USAGE_DECRYPT = 1u << 1,
    CODEC_P15_USAGE_SIGN = 1u << 2,
    CODEC_P15_USAGE_SIGN_RECOVER = 1u << 3,
    CODEC_P15_USAGE_WRAP = 1u << 4,
    CODEC_P15_USAGE_UNWRAP = 1u << 5,
    CODEC_P15_USAGE_VERIFY = 1u << 6,
    CODEC_P15_USAGE_VERIFY_RECOVER = 1u << 7,
    CODEC_P15_USAGE_DERIVE = 1u << 8,
    CODEC_P15_USAGE_NON_REPUDIATION = 1u << 9,
};

enum codec_p15_key_access {
    CODEC_P15_ACCESS_SENSITIVE = 1u << 0,
    CODEC_P15_ACCESS_EXTRACTABLE = 1u << 1,
    CODEC_P15_ACCESS_ALWAYS_SENSITIVE = 1u << 2,
    CODEC_P15_ACCESS_NEVER_EXTRACTABLE = 1u << 3,
    CODEC_P15_ACCESS_LOCAL = 1u << 4,
};

typedef struct codec_p15_key {
    codec_p15_bytes id;    /* iD, mandatory */
    uint32_t usage;        /* enum codec_p15_key_usage */
    uint32_t access_flags; /* enum codec_p15_key_access; written when not 0 */
    bool has_key_ref;
    uint32_t key_ref; /* keyReference, 0..255 */
} codec_p15_key;

typedef enum codec_p15_key_type {
    CODEC_P15_KEY_RSA = 0,    /* SEQUENCE */
    CODEC_P15_KEY_EC = 1,     /* [0] */
    CODEC_P15_KEY_SECRET = 2, /* genericSecretKey (SKDF), SEQUENCE */
} codec_p15_key_type;

/* A PrKDF, PuKDF or SKDF entry. */
typedef struct codec_p15_keyobj {
    uint8_t type; /* codec_p15_key_type */
    codec_p15_object obj;
    codec_p15_key key;
    codec_p15_path path; /* where the key is (private / secret keys: the DF holding it) */
    /* RSA: modulusLength (mandatory). EC: fieldSize, OpenSC's INTEGER after the value (0 = not
     * written). Secret: CommonSecretKeyAttributes keyLen [0] (0 = not written). */
    uint32_t bits;
} codec_p15_keyobj;

/* Writes one PrKDF entry (privateRSAKey / privateECKey). */
bool codec_p15_write_prkey(codec_writer *w, const codec_p15_keyobj *k);
/* Reads one PrKDF entry; false for key types other than RSA and EC. */
bool codec_p15_read_prkey(codec_reader *r, codec_p15_keyobj *k);
/* Writes one PuKDF entry (publicRSAKey / publicECKey; the path names an EF holding the key:
 * RSAPublicKey for RSA, SubjectPublicKeyInfo for EC). */
bool codec_p15_write_pubkey(codec_writer *w, const codec_p15_keyobj *k);
/* Reads one PuKDF entry. */
bool codec_p15_read_pubkey(codec_reader *r, codec_p15_keyobj *k);
/* Writes one SKDF entry (genericSecretKey). */
bool codec_p15_write_skey(codec_writer *w, const codec_p15_keyobj *k);
/* Reads one SKDF entry (genericSecretKey only). */
bool codec_p15_read_skey(codec_reader *r, codec_p15_keyobj *k);

/* ---- CDF: x509Certificate ---- */
typedef struct codec_p15_cert {
    codec_p15_object obj;
    codec_p15_bytes id; /* CommonCertificateAttributes.iD */
    bool authority;     /* DEFAULT FALSE */
    codec_p15_path path;
} codec_p15_cert;

/* Writes one CDF entry. */
bool codec_p15_write_cert(codec_writer *w, const codec_p15_cert *c);
/* Reads one CDF entry (x509Certificate only). */
bool codec_p15_read_cert(codec_reader *r, codec_p15_cert *c);

/* ---- DODF: opaqueDO ---- */
typedef struct codec_p15_data {
    codec_p15_object obj;
    codec_p15_bytes app_name; /* applicationName, optional */
    codec_p15_bytes app_oid;  /* applicationOID content octets, optional */
    codec_p15_path path;
} codec_p15_data;

/* Writes one DODF entry. */
bool codec_p15_write_data(codec_writer *w, const codec_p15_data *d);
/* Reads one DODF entry (opaqueDO only). */
bool codec_p15_read_data(codec_reader *r, codec_p15_data *d);

/* Skips one whole TLV (an entry of a kind the caller does not read). */
bool codec_p15_skip(codec_reader *r);

/* True when nothing but padding (00 or FF bytes) is left: the end of a DF's entries. */
bool codec_p15_at_end(const codec_reader *r);

#endif
