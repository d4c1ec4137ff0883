/* A card profile: the card as personalised at the factory, loaded from YAML. */
#ifndef EMU_PROFILE_H
#define EMU_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emu_profile emu_profile;

/* Where and why a profile was refused: printed as "file:line:column: message". */
typedef struct emu_error {
    char file[512];
    int line;   /* 1-based; 0 when not tied to a position */
    int column; /* 1-based; 0 when not tied to a position */
    char message[512];
} emu_error;

/* Loads and validates the profile at `path`. Paths inside the profile (data_file) are relative
 * to the profile's directory. Returns NULL and fills *err on any error: not YAML, an unknown
 * key, a bad hex string, a missing mandatory key, a bad value. */
emu_profile *emu_profile_load(const char *path, emu_error *err);

/* Same from a buffer; `name` is used in error messages and `base_dir` resolves data_file
 * (NULL: data_file is refused). For tests and fuzzing. */
emu_profile *emu_profile_load_buffer(const char *yaml, size_t len, const char *name,
                                     const char *base_dir, emu_error *err);

/* Frees a profile; NULL is accepted. */
void emu_profile_free(emu_profile *profile);

/* The ATR the profile gives; *len receives its length. */
const uint8_t *emu_profile_atr(const emu_profile *profile, size_t *len);

/* The profile's label, or NULL when it gives none. Valid while the profile lives. */
const char *emu_profile_label(const emu_profile *profile);

/* The profile's serial number, or NULL when it gives none. Valid while the profile lives. */
const char *emu_profile_serial(const emu_profile *profile);

/* Formats an error as "file:line:column: message" (position omitted when line is 0). */
void emu_error_format(const emu_error *err, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
