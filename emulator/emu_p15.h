/* The card describes itself: the ISO/IEC 7816-15 (PKCS#15) cryptographic information
 * application, derived from the card's real objects (PINs, keys, certificates, label, serial)
 * when the card is made. Internal to libsdemu. */
#ifndef EMU_P15_H
#define EMU_P15_H

#include <stdbool.h>

#include "emu_fs.h"

/* Where the application lives: DF 5015 below the MF, named with the PKCS#15 AID. */
#define EMU_P15_DF_FID 0x5015
#define EMU_P15_OD_FID 0x5031
#define EMU_P15_TOKENINFO_FID 0x5032
#define EMU_P15_AODF_FID 0x4401
#define EMU_P15_PRKDF_FID 0x4402
#define EMU_P15_PUKDF_FID 0x4403
#define EMU_P15_SKDF_FID 0x4404
#define EMU_P15_CDF_FID 0x4405
#define EMU_P15_DODF_FID 0x4406
#define EMU_P15_CERT_FID 0x4301   /* + i: the certificate of the i-th key that has one */
#define EMU_P15_PUBKEY_FID 0x4501 /* + i: the public key of the i-th key that has one */
#define EMU_P15_MANUFACTURER "sdemu"

struct emu_card;
struct emu_profile;

/* Why a profile's tree cannot take the published application (its FID 5015 or the PKCS#15 AID
 * already used), or NULL when it can. For the profile loader. */
const char *emu_p15_problem(const emu_fs *fs);

/* Adds the application to the card's file tree: the EF.DIR entry (appended to a transparent
 * EF.DIR 2F00, or a new one), DF 5015 with EF.OD, EF.TokenInfo, the AODF, PrKDF, PuKDF, SKDF,
 * CDF and DODF that have entries, the certificate and public-key EFs. Every published file is
 * read always and changed never. False when out of memory or the tree has no room. */
bool emu_p15_publish(struct emu_card *card, const struct emu_profile *profile);

/* The profile's `pkcs15` switch (defined by the profile loader). */
bool emu_profile_pkcs15(const struct emu_profile *profile);

#endif
