/* The file tree shared by the profile loader and the card: a flat array of nodes, index 0 = MF.
 * Internal to libsdemu. */
#ifndef EMU_FS_H
#define EMU_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_access.h"
#include "emu_profile.h"

/* Bounds on what a profile may describe: they keep a hostile profile from exhausting memory or
 * the stack, and keep every size representable in an FCP and in a 15-bit offset. */
#define EMU_MAX_FILES 1024                     /* nodes in the whole tree, MF included */
#define EMU_MAX_DEPTH 8                        /* DF levels below the MF */
#define EMU_MAX_FILE_SIZE 65535                /* bytes in one transparent EF */
#define EMU_MAX_TOTAL_DATA (16u * 1024 * 1024) /* bytes of content over all files */
#define EMU_MAX_AID 16                         /* DF name length (7816-4: 1..16) */
#define EMU_MAX_RECORDS 254                    /* records in one record EF */
#define EMU_MAX_RECORD_SIZE 255                /* bytes in one record */
#define EMU_MAX_ATR 33                         /* bytes in an ATR (7816-3) */
#define EMU_MAX_TEXT 256                       /* bytes in a label or serial */
#define EMU_NONE UINT16_MAX                    /* "no node" in the index links below */

/* Life cycle status bytes (7816-4 table 13). */
#define EMU_LCS_CREATION 0x01
#define EMU_LCS_INITIALISATION 0x03
#define EMU_LCS_ACTIVATED 0x05
#define EMU_LCS_DEACTIVATED 0x04
#define EMU_LCS_TERMINATED 0x0C

#define EMU_MAX_DATA_OBJECTS 256 /* data objects for GET/PUT DATA on one card */
#define EMU_MAX_DO_SIZE 4096     /* bytes in one data object's value */

typedef enum emu_file_type { EMU_FILE_DF, EMU_FILE_EF } emu_file_type;

/* EF structures; the value is the file-descriptor byte's b3-b1 (7816-4 table 12). */
typedef enum emu_ef_structure {
    EMU_EF_TRANSPARENT = 1,
    EMU_EF_LINEAR_FIXED = 2,
    EMU_EF_LINEAR_VARIABLE = 4,
    EMU_EF_CYCLIC = 6,
} emu_ef_structure;

typedef struct emu_file {
    emu_file_type type;
    emu_ef_structure structure; /* EF only */
    bool has_fid;
    uint16_t fid;
    uint8_t sfi; /* 1..30; 0 = none */
    uint8_t aid_len;
    uint8_t aid[EMU_MAX_AID];
    uint16_t parent;       /* EMU_NONE for the MF */
    uint16_t first_child;  /* EMU_NONE when none */
    uint16_t next_sibling; /* EMU_NONE when last */
    uint8_t depth;         /* 0 for the MF */
    /* Transparent EF: the content. Record EF: records concatenated; record_len[i] bytes each. */
    uint8_t *data;
    size_t size;
    uint16_t record_count;
    uint8_t record_size; /* fixed/cyclic: the record length; variable: the largest allowed */
    uint8_t *record_len; /* record_max entries; NULL for transparent EFs */
    /* Record EF: room for record_max records; record i (0-based) is at data + i * record_size
     * and size = record_max * record_size. Cyclic EFs keep the newest record first. */
    uint16_t record_max;
    uint8_t lcs;  /* life cycle status byte (tag 8A): EMU_LCS_* */
    bool deleted; /* a free slot (DELETE FILE); unlinked from the tree */
    char *label;  /* DF only, optional, NUL-terminated */
    emu_rule access[EMU_OP_COUNT];
} emu_file;

/* A data object for GET DATA / PUT DATA (BER-TLV tag up to 3 bytes). Its value has room for
 * `cap` bytes, allocated once. */
typedef struct emu_dobj {
    uint32_t tag;
    uint16_t len, cap;
    uint8_t *value;
    /* Own access rules (profile `access`): access[EMU_DO_READ] for GET DATA, [EMU_DO_UPDATE]
     * for PUT DATA, each used only when its bit (1 << index) is in access_set, otherwise the
     * current DF's read / update rule applies. DF-specific references resolve from the MF. */
    uint8_t access_set;
    emu_rule access[2];
} emu_dobj;

#define EMU_DO_READ 0
#define EMU_DO_UPDATE 1

typedef struct emu_fs {
    emu_file *files;
    uint16_t count;
    emu_dobj *dos;
    uint16_t do_count;
} emu_fs;

/* Deep copy of a tree; false on allocation failure (dst left empty). */
bool emu_fs_copy(emu_fs *dst, const emu_fs *src);

/* Frees the nodes and their content; the struct may be reused. */
void emu_fs_clear(emu_fs *fs);

/* The child of DF `df` with this FID, or EMU_NONE. */
uint16_t emu_fs_child_by_fid(const emu_fs *fs, uint16_t df, uint16_t fid);

/* The EF of DF `df` with this SFI (1..30), or EMU_NONE. */
uint16_t emu_fs_child_by_sfi(const emu_fs *fs, uint16_t df, uint8_t sfi);

/* Follows FIDs (2 bytes each) down from `df`; every step but the last is a DF. */
uint16_t emu_fs_find_path(const emu_fs *fs, uint16_t df, const uint8_t *path, size_t len);

/* The life cycle of a file as its path makes it: terminated or deactivated when it or any DF
 * above it is. */
uint8_t emu_fs_effective_lcs(const emu_fs *fs, uint16_t idx);

/* The SW for using file `idx` (other than SELECT, DELETE, ACTIVATE): 0 when allowed, 6985
 * when deactivated, 6A81 when terminated. */
uint16_t emu_fs_lcs_check(const emu_fs *fs, uint16_t idx);

/* True when `idx` is `anc` or lies below it. */
bool emu_fs_is_below(const emu_fs *fs, uint16_t idx, uint16_t anc);

/* The data object with this tag, or NULL. */
emu_dobj *emu_fs_find_do(const emu_fs *fs, uint32_t tag);

/* The profile's content, as the card needs it. */
const emu_fs *emu_profile_fs(const emu_profile *profile);

#endif
