/* The call sequence of the 'proxy' fuzz target, shared with the generator of its seeds so the
 * recorded responses answer exactly the commands the target sends. */
#ifndef PX_FUZZ_DRIVE_H
#define PX_FUZZ_DRIVE_H

#include "isoiec23465.h"

/* On a connected device: getRootApplication, then findObject, getSize, getData and
 * getDataRange on each container the reference card holds; results are ignored. */
void px_fuzz_drive(isoIec23465_SecurityDevice *dev);

#endif
