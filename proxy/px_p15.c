/* ISO/IEC 7816-15 discovery: EF.DIR -> the PKCS#15 application -> EF.OD -> AODF, PrKDF, PuKDF,
 * SKDF, CDF, DODF, into the connection's object table. Work in progress. */
#include "px_p15.h"
