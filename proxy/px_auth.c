/* Authenticator, Password and SensitiveContainer methods.
 * Work in progress: functions still answering FunctionNotImplemented use PX_NOT_IMPLEMENTED. */
#include "px_error.h"
#include "px_handle.h"
#include "px_unimpl.h"

isoIec23465_Status
isoIec23465_SensitiveContainer_getAccessConditions(const isoIec23465_SensitiveContainer *container,
                                                   isoIec23465_Operation operation,
                                                   isoIec23465_AccessCondition *condition)
{
    (void)operation;
    (void)condition;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeSensitiveContainer);
}

isoIec23465_Status
isoIec23465_SensitiveContainer_getProtectingAuthenticator(isoIec23465_SensitiveContainer *container,
                                                          isoIec23465_Operation operation,
                                                          isoIec23465_Authenticator **authenticator)
{
    (void)operation;
    (void)authenticator;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeSensitiveContainer);
}

isoIec23465_Status isoIec23465_Authenticator_getStatus(isoIec23465_Authenticator *auth,
                                                       isoIec23465_AuthenticatorStatus *status)
{
    (void)status;
    PX_NOT_IMPLEMENTED(auth, isoIec23465_TypeAuthenticator);
}

isoIec23465_Status isoIec23465_Authenticator_getRemainingTries(isoIec23465_Authenticator *auth,
                                                               int *tries)
{
    (void)tries;
    PX_NOT_IMPLEMENTED(auth, isoIec23465_TypeAuthenticator);
}

isoIec23465_Status isoIec23465_Authenticator_getMaxTries(isoIec23465_Authenticator *auth,
                                                         int *tries)
{
    (void)tries;
    PX_NOT_IMPLEMENTED(auth, isoIec23465_TypeAuthenticator);
}

isoIec23465_Status isoIec23465_Authenticator_resetStatus(isoIec23465_Authenticator *auth)
{
    PX_NOT_IMPLEMENTED(auth, isoIec23465_TypeAuthenticator);
}

isoIec23465_Status isoIec23465_Password_verify(isoIec23465_Password *password, const uint8_t *value,
                                               size_t len)
{
    (void)value;
    (void)len;
    PX_NOT_IMPLEMENTED(password, isoIec23465_TypePassword);
}

isoIec23465_Status isoIec23465_Password_change(isoIec23465_Password *password,
                                               const uint8_t *oldValue, size_t oldLen,
                                               const uint8_t *newValue, size_t newLen)
{
    (void)oldValue;
    (void)oldLen;
    (void)newValue;
    (void)newLen;
    PX_NOT_IMPLEMENTED(password, isoIec23465_TypePassword);
}

isoIec23465_Status isoIec23465_Password_unblock(isoIec23465_Password *password,
                                                const uint8_t *resetCode, size_t resetCodeLen,
                                                const uint8_t *newValue, size_t newLen)
{
    (void)resetCode;
    (void)resetCodeLen;
    (void)newValue;
    (void)newLen;
    PX_NOT_IMPLEMENTED(password, isoIec23465_TypePassword);
}

isoIec23465_Status isoIec23465_Password_enableRequirement(isoIec23465_Password *password,
                                                          const uint8_t *value, size_t len)
{
    (void)value;
    (void)len;
    PX_NOT_IMPLEMENTED(password, isoIec23465_TypePassword);
}

isoIec23465_Status isoIec23465_Password_disableRequirement(isoIec23465_Password *password,
                                                           const uint8_t *value, size_t len)
{
    (void)value;
    (void)len;
    PX_NOT_IMPLEMENTED(password, isoIec23465_TypePassword);
}

isoIec23465_Status isoIec23465_Password_getLengthRange(isoIec23465_Password *password,
                                                       size_t *minLen, size_t *maxLen)
{
    (void)minLen;
    (void)maxLen;
    PX_NOT_IMPLEMENTED(password, isoIec23465_TypePassword);
}
