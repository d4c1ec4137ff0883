/* Shared by the fuzz targets that start from the reference card: its profile, loaded once
 * (the loader's message and abort() if it is refused, since then nothing can be fuzzed). */
#ifndef FUZZ_REFERENCE_H
#define FUZZ_REFERENCE_H

#include <stdio.h>
#include <stdlib.h>

#include "emu_profile.h"

/* The reference profile (SDEMU_DEFAULT_PROFILE), loaded on first use and kept. */
static inline emu_profile *fuzz_reference_profile(void)
{
    static emu_profile *profile;
    if (!profile) {
        emu_error err;
        profile = emu_profile_load(SDEMU_DEFAULT_PROFILE, &err);
        if (!profile) {
            char msg[1200];
            emu_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "%s\n", msg);
            abort();
        }
    }
    return profile;
}

#endif
