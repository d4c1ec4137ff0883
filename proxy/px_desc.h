/* Device descriptions: YAML files (vectors/devices/) that say, for cards without ISO/IEC
 * 7816-15 data, which objects a card holds and where. Card-specific knowledge lives there. */
#ifndef PX_DESC_H
#define PX_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isoiec23465.h"

#define PX_DESC_MAX_APPS 32
#define PX_DESC_MAX_OBJECTS 256
#define PX_DESC_MAX_PATH 16 /* bytes: up to 8 file identifiers */
#define PX_DESC_MAX_ID 16
#define PX_AID_MAX 16
#define PX_DESC_MAX_FILES 256 /* descriptions read from one directory */

typedef struct px_desc_app {
    char *label;
    uint8_t aid[PX_AID_MAX];
    size_t aid_len;
} px_desc_app;

typedef struct px_desc_obj {
    isoIec23465_ObjectType type;
    char *label;
    uint8_t id[PX_DESC_MAX_ID];
    size_t id_len;
    uint8_t path[PX_DESC_MAX_PATH]; /* from the MF (starts 3F00), or inside `app` */
    size_t path_len;
    int app; /* index into apps, -1 for objects reached from the MF */
} px_desc_obj;

typedef struct px_desc {
    char *file;
    char *name;
    char *manufacturer;
    char *product;
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
} px_desc;

/* Loads one description. On failure returns NULL and writes "file: where: why" into err. */
px_desc *px_desc_load_file(const char *path, char *err, size_t errcap);

/* Same from a buffer; `name` is used in messages. */
px_desc *px_desc_load_buffer(const char *yaml, size_t len, const char *name, char *err,
                             size_t errcap);

void px_desc_free(px_desc *d);

/* True when the description's ATR criterion (if any) holds for atr[0..len). */
bool px_desc_match_atr(const px_desc *d, const uint8_t *atr, size_t len);

/* The descriptions directory: $SDPROXY_DEVICES, else the compiled-in default. */
const char *px_desc_dir(void);

/* Loads every *.yaml of `dir` (at most PX_DESC_MAX_FILES), sorted by file name, into *out
 * (malloc'ed, *count entries; NULL and 0 when there is none or no directory). A file that does
 * not load is skipped with its message in `err` (the last one). Returns false when memory ran
 * out: then *out is NULL, *count 0, nothing stays allocated and `err` says so. */
bool px_desc_load_dir(const char *dir, px_desc ***out, size_t *count, char *err, size_t errcap);

/* Frees what px_desc_load_dir returned. */
void px_desc_free_all(px_desc **list, size_t n);

#endif
