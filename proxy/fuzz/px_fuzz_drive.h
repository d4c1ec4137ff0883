/* The call sequence of the 'proxy' fuzz target, shared with the generator of its seeds so the
 * recorded responses answer exactly the commands the target sends. */
#ifndef PX_FUZZ_DRIVE_H
#define PX_FUZZ_DRIVE_H

#include "isoiec23465.h"

/* Bits of the selector (the first byte of a fuzz input): a set bit leaves a group of calls out,
 * so 0 runs everything and the fuzzer can aim the responses at one group. */
#define PX_FUZZ_SKIP_ROOT 0x01u       /* device attributes, lists, life cycle, random, open */
#define PX_FUZZ_SKIP_PASSWORDS 0x02u  /* Authenticator and Password calls */
#define PX_FUZZ_SKIP_CONTAINERS 0x04u /* DataContainer, records, CertificateContainer */
#define PX_FUZZ_SKIP_KEYS 0x08u       /* Key, AsymmetricKey, PublicKey, PrivateKey, SecretKey */
#define PX_FUZZ_SKIP_ADMIN 0x10u      /* create / delete of containers and applications */
#define PX_FUZZ_SKIP_ASYNC 0x20u      /* the non-blocking call */
/* Objects by findObject on the reference card's description labels instead of listObjects. */
#define PX_FUZZ_BY_LABEL 0x40u
/* Leaves out the calls that change the card (writes, PIN changes, generation). */
#define PX_FUZZ_READ_ONLY 0x80u

/* On a connected device: getRootApplication, then, as `selector` allows, the root calls, and
 * on every object (listed, or found by the description's labels) the calls of its class:
 * passwords first (so that the keys and protected files find their PIN verified when the
 * device is the reference card), then containers, then keys; then the administrative calls
 * and one non-blocking call waited on. Values (PINs, data) are those of the reference card, so
 * a session recorded from it succeeds. Results are ignored; every call must return. */
void px_fuzz_drive(isoIec23465_SecurityDevice *dev, unsigned selector);

#endif
