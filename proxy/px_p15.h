/* ISO/IEC 7816-15 discovery into the connection's object table. */
#ifndef PX_P15_H
#define PX_P15_H

#include "px_handle.h"

#endif
