/* Non-blocking forms of the API functions (clause 6.2.5). Work in progress. */
#include "px_handle.h"
