/* ISO/IEC 7816-15 discovery into the connection's object table. */
#ifndef PX_P15_H
#define PX_P15_H

#include "px_handle.h"

/* Bounds on what the card can make discovery do. */
#define PX_P15_MAX_FILE 16384     /* bytes read from one EF (EF.DIR, EF.OD, a DF's entries) */
#define PX_P15_MAX_APDUS 64       /* commands discovery sends at most (GET RESPONSE aside) */
#define PX_P15_MAX_DIR_RECORDS 16 /* records read from a record EF.DIR */
#define PX_P15_MAX_DFS 16         /* EF.OD entries followed */

/* Reads the card's ISO/IEC 7816-15 data and merges it with the matched description into
 * c->desc (replaced by the merged table; created when no description matched):
 * EF.DIR (2F00 from the MF, transparent or records) lists the applications; the PKCS#15
 * application (codec_p15_aid) is the DF its entry names, else SELECT by that AID; in it EF.OD
 * (5031), TokenInfo (5032), then the AODF, PrKDF, PuKDF, SKDF, CDF and DODF that EF.OD lists.
 * Every entry becomes a px_desc_obj (see docs/api.md, "How the proxy finds the objects" for the
 * mapping).
 *
 * Expects the connection locked and c->max_le set; brackets its APDUs with one transaction.
 * APDUs: SELECT (00 A4 08 04 path / 00 A4 04 0C AID / 00 A4 02 04 FID), READ BINARY (00 B0),
 * READ RECORD (00 B2 nn 04) for a record EF.DIR; at most PX_P15_MAX_APDUS.
 *
 * A card without 7816-15 data is not an error (nothing is added). Malformed, truncated or
 * oversized 7816-15 files are not errors either: what was read before the problem is kept and
 * c->desc->p15_note says what went wrong and where. Errors: the transport's (no status word:
 * CommunicationError...), NotEnoughMemory. On error c->desc is left as it was. */
isoIec23465_Status px_p15_discover(px_conn *c);

#endif
