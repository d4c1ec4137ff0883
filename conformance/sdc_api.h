/* sdc_api: the indirection through which every conformance test calls the API.
 *
 * By default the table points at libsdproxy, linked into sdconform. With --proxy PATH, sdconform
 * loads PATH with dlopen and resolves each isoIec23465_* function with dlsym, so a vendor's proxy
 * runs the same tests. A function the library does not export answers FunctionNotImplemented
 * (and the last error says which symbol is missing) instead of crashing the test.
 *
 * Test files include this header (through sdc_target.h) and keep writing isoIec23465_X(...):
 * after the API header, each name is redefined as a macro that calls through the table. The
 * table is built lazily in each process, because Criterion runs every test in a fresh process
 * image; the library path travels in the environment variable SDC_PROXY_ENV.
 *
 * When the API header gains a function, add it to the lists below (the meson test
 * sdc-api-complete checks that none is missing). */
#ifndef SDC_API_H
#define SDC_API_H

#include <stdbool.h>
#include <stddef.h>

#include "isoiec23465.h"

#define SDC_PROXY_ENV "SDCONFORM_PROXY"

/* The functions returning isoIec23465_Status (getLastError apart). */
#define SDC_API_STATUS_FUNCS(X)                                                                    \
    X(AsymmetricKey_generateKeyPair)                                                               \
    X(AsymmetricKey_getPublicKey)                                                                  \
    X(Authenticator_getMaxTries)                                                                   \
    X(Authenticator_getRemainingTries)                                                             \
    X(Authenticator_getStatus)                                                                     \
    X(Authenticator_resetStatus)                                                                   \
    X(CertificateContainer_getAssociatedKey)                                                       \
    X(CertificateContainer_getCertificate)                                                         \
    X(CertificateContainer_setCertificate)                                                         \
    X(DataContainer_appendRecord)                                                                  \
    X(DataContainer_erase)                                                                         \
    X(DataContainer_getData)                                                                       \
    X(DataContainer_getDataRange)                                                                  \
    X(DataContainer_getRecord)                                                                     \
    X(DataContainer_getRecordCount)                                                                \
    X(DataContainer_getSize)                                                                       \
    X(DataContainer_setData)                                                                       \
    X(DataContainer_setRecord)                                                                     \
    X(Key_getKeySize)                                                                              \
    X(Key_getKeyType)                                                                              \
    X(Key_getSupportedMechanisms)                                                                  \
    X(Key_getUsage)                                                                                \
    X(Object_getAttributes)                                                                        \
    X(Object_getIdentifier)                                                                        \
    X(Object_getLabel)                                                                             \
    X(Object_getType)                                                                              \
    X(Password_change)                                                                             \
    X(Password_disableRequirement)                                                                 \
    X(Password_enableRequirement)                                                                  \
    X(Password_getLengthRange)                                                                     \
    X(Password_unblock)                                                                            \
    X(Password_verify)                                                                             \
    X(PrivateKey_decrypt)                                                                          \
    X(PrivateKey_deriveSharedSecret)                                                               \
    X(PrivateKey_internalAuthenticate)                                                             \
    X(PrivateKey_sign)                                                                             \
    X(PublicKey_encrypt)                                                                           \
    X(PublicKey_export)                                                                            \
    X(PublicKey_verify)                                                                            \
    X(RootApplication_createApplication)                                                           \
    X(RootApplication_deleteApplication)                                                           \
    X(RootApplication_getRandom)                                                                   \
    X(RootApplication_getSecurityDeviceAttribute)                                                  \
    X(RootApplication_listApplications)                                                            \
    X(RootApplication_openApplication)                                                             \
    X(SecretKey_computeMac)                                                                        \
    X(SecretKey_decrypt)                                                                           \
    X(SecretKey_encrypt)                                                                           \
    X(SecretKey_generate)                                                                          \
    X(SecretKey_verifyMac)                                                                         \
    X(SecurityDeviceApplication_close)                                                             \
    X(SecurityDeviceApplication_createDataContainer)                                               \
    X(SecurityDeviceApplication_deleteObject)                                                      \
    X(SecurityDeviceApplication_findObject)                                                        \
    X(SecurityDeviceApplication_findObjectByIdentifier)                                            \
    X(SecurityDeviceApplication_getAid)                                                            \
    X(SecurityDeviceApplication_getLifeCycleState)                                                 \
    X(SecurityDeviceApplication_listObjects)                                                       \
    X(SecurityDeviceEntry_getAtr)                                                                  \
    X(SecurityDeviceEntry_getAttribute)                                                            \
    X(SecurityDeviceEntry_getDeviceType)                                                           \
    X(SecurityDeviceEntry_getInterface)                                                            \
    X(SecurityDeviceEntry_getPresence)                                                             \
    X(SecurityDeviceList_getCount)                                                                 \
    X(SecurityDeviceList_getEntry)                                                                 \
    X(SecurityDevice_getRootApplication)                                                           \
    X(SensitiveContainer_getAccessConditions)                                                      \
    X(SensitiveContainer_getProtectingAuthenticator)                                               \
    X(connectSecurityDevice)                                                                       \
    X(connectSecurityDeviceBySpec)                                                                 \
    X(disconnectSecurityDevice)                                                                    \
    X(getSecurityDeviceList)

/* The functions returning nothing. */
#define SDC_API_VOID_FUNCS(X)                                                                      \
    X(Object_release)                                                                              \
    X(SecurityDeviceList_release)

/* One function pointer per API function, typed after the API header's declaration. */
typedef struct sdc_api_table {
/* n is pasted into a name and is the member's name: parentheses cannot go round either. */
/* NOLINTNEXTLINE(bugprone-macro-parentheses) */
#define SDC_API_FIELD_(n) __typeof__(isoIec23465_##n) *n;
    SDC_API_STATUS_FUNCS(SDC_API_FIELD_)
    SDC_API_VOID_FUNCS(SDC_API_FIELD_)
#undef SDC_API_FIELD_
    __typeof__(isoIec23465_getLastError) *getLastError;
    __typeof__(isoIec23465_statusToString) *statusToString;
} sdc_api_table;

/* Index of each function in sdc_api_names (SDC_FN_Object_getType ...). */
enum sdc_api_fn {
#define SDC_API_ENUM_(n) SDC_FN_##n,
    SDC_API_STATUS_FUNCS(SDC_API_ENUM_) SDC_API_VOID_FUNCS(SDC_API_ENUM_)
#undef SDC_API_ENUM_
        SDC_FN_getLastError,
    SDC_FN_statusToString,
    SDC_FN_COUNT
};

/* Full names ("isoIec23465_Object_getType"), indexed by enum sdc_api_fn. */
extern const char *const sdc_api_names[SDC_FN_COUNT];

/* Loads the proxy: `path` NULL means the linked libsdproxy, otherwise a shared library opened
 * with dlopen (RTLD_NOW | RTLD_LOCAL). Sets the environment variable for the test processes.
 * Returns false with a message in `err` when the library cannot be opened. Call once, from
 * main, before any test runs. */
bool sdc_api_load(const char *path, char *err, size_t errLen);

/* The table of this process (loaded from SDC_PROXY_ENV on first use). */
const sdc_api_table *sdc_api_get(void);

/* The library in use: the --proxy path, or "" for the linked libsdproxy. */
const char *sdc_api_path(void);

/* Whether the loaded library provides function `fn`. */
bool sdc_api_has(enum sdc_api_fn fn);

/* Index of a function by its name with or without the isoIec23465_ prefix; -1 if unknown. */
int sdc_api_find(const char *name);

/* The API level a function belongs to (1, 2 or 3; docs/api.md's table). */
int sdc_api_level(enum sdc_api_fn fn);

/* The last function called through the table on this thread ("" before any), for messages. */
const char *sdc_api_last(void);

/* The header's name of a status, independent of the proxy under test ("Unknown" for others). */
const char *sdc_api_status_name(isoIec23465_Status status);

/* Used by the macros below: record `fn` as the last call and pass `st` through; or, for a
 * missing function, record it and set the last error (the macro itself answers
 * FunctionNotImplemented, so the status is visible at each call site). */
isoIec23465_Status sdc_api_done_(enum sdc_api_fn fn, isoIec23465_Status st);
/* As sdc_api_done_ for a synchronous call: also drops the details an earlier callback
 * delivered (sdc_async.h). */
isoIec23465_Status sdc_api_sync_(enum sdc_api_fn fn, isoIec23465_Status st);
void sdc_api_missing_(enum sdc_api_fn fn);
void sdc_api_done_void_(enum sdc_api_fn fn);
isoIec23465_Status sdc_api_getLastError_(isoIec23465_ErrorDetails *details);
const char *sdc_api_statusToString_(isoIec23465_Status status);

#define SDC_CALL_(n, ...)                                                                          \
    (sdc_api_get()->n ? sdc_api_sync_(SDC_FN_##n, sdc_api_get()->n(__VA_ARGS__))                   \
                      : (sdc_api_missing_(SDC_FN_##n), isoIec23465_FunctionNotImplemented))
#define SDC_CALL_VOID_(n, ...)                                                                     \
    (sdc_api_get()->n ? sdc_api_get()->n(__VA_ARGS__) : (void)0, sdc_api_done_void_(SDC_FN_##n))

#ifndef SDC_API_NO_REDIRECT
#define isoIec23465_getLastError(d) sdc_api_getLastError_(d)
#define isoIec23465_statusToString(s) sdc_api_statusToString_(s)
#define isoIec23465_AsymmetricKey_generateKeyPair(...)                                             \
    SDC_CALL_(AsymmetricKey_generateKeyPair, __VA_ARGS__)
#define isoIec23465_AsymmetricKey_getPublicKey(...)                                                \
    SDC_CALL_(AsymmetricKey_getPublicKey, __VA_ARGS__)
#define isoIec23465_Authenticator_getMaxTries(...) SDC_CALL_(Authenticator_getMaxTries, __VA_ARGS__)
#define isoIec23465_Authenticator_getRemainingTries(...)                                           \
    SDC_CALL_(Authenticator_getRemainingTries, __VA_ARGS__)
#define isoIec23465_Authenticator_getStatus(...) SDC_CALL_(Authenticator_getStatus, __VA_ARGS__)
#define isoIec23465_Authenticator_resetStatus(...) SDC_CALL_(Authenticator_resetStatus, __VA_ARGS__)
#define isoIec23465_CertificateContainer_getAssociatedKey(...)                                     \
    SDC_CALL_(CertificateContainer_getAssociatedKey, __VA_ARGS__)
#define isoIec23465_CertificateContainer_getCertificate(...)                                       \
    SDC_CALL_(CertificateContainer_getCertificate, __VA_ARGS__)
#define isoIec23465_CertificateContainer_setCertificate(...)                                       \
    SDC_CALL_(CertificateContainer_setCertificate, __VA_ARGS__)
#define isoIec23465_DataContainer_appendRecord(...)                                                \
    SDC_CALL_(DataContainer_appendRecord, __VA_ARGS__)
#define isoIec23465_DataContainer_erase(...) SDC_CALL_(DataContainer_erase, __VA_ARGS__)
#define isoIec23465_DataContainer_getData(...) SDC_CALL_(DataContainer_getData, __VA_ARGS__)
#define isoIec23465_DataContainer_getDataRange(...)                                                \
    SDC_CALL_(DataContainer_getDataRange, __VA_ARGS__)
#define isoIec23465_DataContainer_getRecord(...) SDC_CALL_(DataContainer_getRecord, __VA_ARGS__)
#define isoIec23465_DataContainer_getRecordCount(...)                                              \
    SDC_CALL_(DataContainer_getRecordCount, __VA_ARGS__)
#define isoIec23465_DataContainer_getSize(...) SDC_CALL_(DataContainer_getSize, __VA_ARGS__)
#define isoIec23465_DataContainer_setData(...) SDC_CALL_(DataContainer_setData, __VA_ARGS__)
#define isoIec23465_DataContainer_setRecord(...) SDC_CALL_(DataContainer_setRecord, __VA_ARGS__)
#define isoIec23465_Key_getKeySize(...) SDC_CALL_(Key_getKeySize, __VA_ARGS__)
#define isoIec23465_Key_getKeyType(...) SDC_CALL_(Key_getKeyType, __VA_ARGS__)
#define isoIec23465_Key_getSupportedMechanisms(...)                                                \
    SDC_CALL_(Key_getSupportedMechanisms, __VA_ARGS__)
#define isoIec23465_Key_getUsage(...) SDC_CALL_(Key_getUsage, __VA_ARGS__)
#define isoIec23465_Object_getAttributes(...) SDC_CALL_(Object_getAttributes, __VA_ARGS__)
#define isoIec23465_Object_getIdentifier(...) SDC_CALL_(Object_getIdentifier, __VA_ARGS__)
#define isoIec23465_Object_getLabel(...) SDC_CALL_(Object_getLabel, __VA_ARGS__)
#define isoIec23465_Object_getType(...) SDC_CALL_(Object_getType, __VA_ARGS__)
#define isoIec23465_Password_change(...) SDC_CALL_(Password_change, __VA_ARGS__)
#define isoIec23465_Password_disableRequirement(...)                                               \
    SDC_CALL_(Password_disableRequirement, __VA_ARGS__)
#define isoIec23465_Password_enableRequirement(...)                                                \
    SDC_CALL_(Password_enableRequirement, __VA_ARGS__)
#define isoIec23465_Password_getLengthRange(...) SDC_CALL_(Password_getLengthRange, __VA_ARGS__)
#define isoIec23465_Password_unblock(...) SDC_CALL_(Password_unblock, __VA_ARGS__)
#define isoIec23465_Password_verify(...) SDC_CALL_(Password_verify, __VA_ARGS__)
#define isoIec23465_PrivateKey_decrypt(...) SDC_CALL_(PrivateKey_decrypt, __VA_ARGS__)
#define isoIec23465_PrivateKey_deriveSharedSecret(...)                                             \
    SDC_CALL_(PrivateKey_deriveSharedSecret, __VA_ARGS__)
#define isoIec23465_PrivateKey_internalAuthenticate(...)                                           \
    SDC_CALL_(PrivateKey_internalAuthenticate, __VA_ARGS__)
#define isoIec23465_PrivateKey_sign(...) SDC_CALL_(PrivateKey_sign, __VA_ARGS__)
#define isoIec23465_PublicKey_encrypt(...) SDC_CALL_(PublicKey_encrypt, __VA_ARGS__)
#define isoIec23465_PublicKey_export(...) SDC_CALL_(PublicKey_export, __VA_ARGS__)
#define isoIec23465_PublicKey_verify(...) SDC_CALL_(PublicKey_verify, __VA_ARGS__)
#define isoIec23465_RootApplication_createApplication(...)                                         \
    SDC_CALL_(RootApplication_createApplication, __VA_ARGS__)
#define isoIec23465_RootApplication_deleteApplication(...)                                         \
    SDC_CALL_(RootApplication_deleteApplication, __VA_ARGS__)
#define isoIec23465_RootApplication_getRandom(...) SDC_CALL_(RootApplication_getRandom, __VA_ARGS__)
#define isoIec23465_RootApplication_getSecurityDeviceAttribute(...)                                \
    SDC_CALL_(RootApplication_getSecurityDeviceAttribute, __VA_ARGS__)
#define isoIec23465_RootApplication_listApplications(...)                                          \
    SDC_CALL_(RootApplication_listApplications, __VA_ARGS__)
#define isoIec23465_RootApplication_openApplication(...)                                           \
    SDC_CALL_(RootApplication_openApplication, __VA_ARGS__)
#define isoIec23465_SecretKey_computeMac(...) SDC_CALL_(SecretKey_computeMac, __VA_ARGS__)
#define isoIec23465_SecretKey_decrypt(...) SDC_CALL_(SecretKey_decrypt, __VA_ARGS__)
#define isoIec23465_SecretKey_encrypt(...) SDC_CALL_(SecretKey_encrypt, __VA_ARGS__)
#define isoIec23465_SecretKey_generate(...) SDC_CALL_(SecretKey_generate, __VA_ARGS__)
#define isoIec23465_SecretKey_verifyMac(...) SDC_CALL_(SecretKey_verifyMac, __VA_ARGS__)
#define isoIec23465_SecurityDeviceApplication_close(...)                                           \
    SDC_CALL_(SecurityDeviceApplication_close, __VA_ARGS__)
#define isoIec23465_SecurityDeviceApplication_createDataContainer(...)                             \
    SDC_CALL_(SecurityDeviceApplication_createDataContainer, __VA_ARGS__)
#define isoIec23465_SecurityDeviceApplication_deleteObject(...)                                    \
    SDC_CALL_(SecurityDeviceApplication_deleteObject, __VA_ARGS__)
#define isoIec23465_SecurityDeviceApplication_findObject(...)                                      \
    SDC_CALL_(SecurityDeviceApplication_findObject, __VA_ARGS__)
#define isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(...)                          \
    SDC_CALL_(SecurityDeviceApplication_findObjectByIdentifier, __VA_ARGS__)
#define isoIec23465_SecurityDeviceApplication_getAid(...)                                          \
    SDC_CALL_(SecurityDeviceApplication_getAid, __VA_ARGS__)
#define isoIec23465_SecurityDeviceApplication_getLifeCycleState(...)                               \
    SDC_CALL_(SecurityDeviceApplication_getLifeCycleState, __VA_ARGS__)
#define isoIec23465_SecurityDeviceApplication_listObjects(...)                                     \
    SDC_CALL_(SecurityDeviceApplication_listObjects, __VA_ARGS__)
#define isoIec23465_SecurityDeviceEntry_getAtr(...)                                                \
    SDC_CALL_(SecurityDeviceEntry_getAtr, __VA_ARGS__)
#define isoIec23465_SecurityDeviceEntry_getAttribute(...)                                          \
    SDC_CALL_(SecurityDeviceEntry_getAttribute, __VA_ARGS__)
#define isoIec23465_SecurityDeviceEntry_getDeviceType(...)                                         \
    SDC_CALL_(SecurityDeviceEntry_getDeviceType, __VA_ARGS__)
#define isoIec23465_SecurityDeviceEntry_getInterface(...)                                          \
    SDC_CALL_(SecurityDeviceEntry_getInterface, __VA_ARGS__)
#define isoIec23465_SecurityDeviceEntry_getPresence(...)                                           \
    SDC_CALL_(SecurityDeviceEntry_getPresence, __VA_ARGS__)
#define isoIec23465_SecurityDeviceList_getCount(...)                                               \
    SDC_CALL_(SecurityDeviceList_getCount, __VA_ARGS__)
#define isoIec23465_SecurityDeviceList_getEntry(...)                                               \
    SDC_CALL_(SecurityDeviceList_getEntry, __VA_ARGS__)
#define isoIec23465_SecurityDevice_getRootApplication(...)                                         \
    SDC_CALL_(SecurityDevice_getRootApplication, __VA_ARGS__)
#define isoIec23465_SensitiveContainer_getAccessConditions(...)                                    \
    SDC_CALL_(SensitiveContainer_getAccessConditions, __VA_ARGS__)
#define isoIec23465_SensitiveContainer_getProtectingAuthenticator(...)                             \
    SDC_CALL_(SensitiveContainer_getProtectingAuthenticator, __VA_ARGS__)
#define isoIec23465_connectSecurityDevice(...) SDC_CALL_(connectSecurityDevice, __VA_ARGS__)
#define isoIec23465_connectSecurityDeviceBySpec(...)                                               \
    SDC_CALL_(connectSecurityDeviceBySpec, __VA_ARGS__)
#define isoIec23465_disconnectSecurityDevice(...) SDC_CALL_(disconnectSecurityDevice, __VA_ARGS__)
#define isoIec23465_getSecurityDeviceList(...) SDC_CALL_(getSecurityDeviceList, __VA_ARGS__)
#define isoIec23465_Object_release(...) SDC_CALL_VOID_(Object_release, __VA_ARGS__)
#define isoIec23465_SecurityDeviceList_release(...)                                                \
    SDC_CALL_VOID_(SecurityDeviceList_release, __VA_ARGS__)
#endif

#endif
