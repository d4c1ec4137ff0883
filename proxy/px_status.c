/* Status word -> API status: the only place that knows this mapping (api.md's exception table,
 * iso7816.md section 4). */
#include "px_status.h"

#include <stddef.h>

static const struct {
    uint16_t sw;
    isoIec23465_Status status;
} px_sw_table[] = {
    {0x9000, isoIec23465_Success},
    {0x6D00, isoIec23465_FunctionNotImplemented},
    {0x6E00, isoIec23465_FunctionNotImplemented},
    {0x6A81, isoIec23465_FunctionNotImplemented},
    {0x6A82, isoIec23465_ObjectNotFound},
    {0x6A83, isoIec23465_ObjectNotFound},
    {0x6A88, isoIec23465_ObjectNotFound},
    {0x6982, isoIec23465_SecurityStatusNotSatisfied},
    {0x6983, isoIec23465_AuthenticationMethodBlocked},
    {0x6984, isoIec23465_ReferenceDataNotUsable},
    {0x6985, isoIec23465_ConditionsOfUseNotSatisfied},
    {0x6A84, isoIec23465_NotEnoughMemory},
    {0x6A89, isoIec23465_ObjectAlreadyExists},
    {0x6A8A, isoIec23465_ObjectAlreadyExists},
};

isoIec23465_Status px_status_from_sw(uint16_t sw, int *tries)
{
    if (tries)
        *tries = -1;
    if ((sw & 0xFFF0) == 0x63C0) {
        if (tries)
            *tries = sw & 0x0F;
        return isoIec23465_AuthenticationFailed;
    }
    for (size_t i = 0; i < sizeof px_sw_table / sizeof px_sw_table[0]; i++)
        if (px_sw_table[i].sw == sw)
            return px_sw_table[i].status;
    return isoIec23465_SecurityDeviceError;
}

const char *isoIec23465_statusToString(isoIec23465_Status status)
{
    switch (status) {
    case isoIec23465_Success:
        return "Success";
    case isoIec23465_FunctionNotImplemented:
        return "FunctionNotImplemented";
    case isoIec23465_IllegalArgument:
        return "IllegalArgument";
    case isoIec23465_IllegalState:
        return "IllegalState";
    case isoIec23465_SecurityDeviceNotFound:
        return "SecurityDeviceNotFound";
    case isoIec23465_ObjectNotFound:
        return "ObjectNotFound";
    case isoIec23465_SecurityStatusNotSatisfied:
        return "SecurityStatusNotSatisfied";
    case isoIec23465_AuthenticationFailed:
        return "AuthenticationFailed";
    case isoIec23465_AuthenticationMethodBlocked:
        return "AuthenticationMethodBlocked";
    case isoIec23465_ReferenceDataNotUsable:
        return "ReferenceDataNotUsable";
    case isoIec23465_ConditionsOfUseNotSatisfied:
        return "ConditionsOfUseNotSatisfied";
    case isoIec23465_NotEnoughMemory:
        return "NotEnoughMemory";
    case isoIec23465_ObjectAlreadyExists:
        return "ObjectAlreadyExists";
    case isoIec23465_CommunicationError:
        return "CommunicationError";
    case isoIec23465_SecurityDeviceError:
        return "SecurityDeviceError";
    case isoIec23465_BufferTooSmall:
        return "BufferTooSmall";
    }
    return "Unknown";
}
