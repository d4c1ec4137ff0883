/* Functions of the API table that this version declares but does not implement yet: each
 * checks its handle (so wrong classes and stale handles answer as everywhere else) and then
 * returns FunctionNotImplemented. */
#include "px_error.h"
#include "px_handle.h"

#define PX_NOT_IMPLEMENTED(h, cls)                                                                 \
    do {                                                                                           \
        px_conn *c;                                                                                \
        px_error_clear();                                                                          \
        isoIec23465_Status st = px_handle_enter((h), (cls), &c);                                   \
        if (st != isoIec23465_Success)                                                             \
            return st;                                                                             \
        px_handle_leave(c);                                                                        \
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,           \
                            "%s is not implemented in this version", __func__);                    \
    } while (0)

isoIec23465_Status isoIec23465_Object_getAttributes(const isoIec23465_Object *object, uint8_t *buf,
                                                    size_t *len)
{
    (void)buf;
    (void)len;
    PX_NOT_IMPLEMENTED(object, isoIec23465_TypeObject);
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_listObjects(isoIec23465_SecurityDeviceApplication *app,
                                                  isoIec23465_ObjectType type,
                                                  isoIec23465_Object **objects, size_t *count)
{
    (void)type;
    (void)objects;
    (void)count;
    PX_NOT_IMPLEMENTED(app, isoIec23465_TypeSecurityDeviceApplication);
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_getLifeCycleState(isoIec23465_SecurityDeviceApplication *app,
                                                        isoIec23465_LifeCycleState *state)
{
    (void)state;
    PX_NOT_IMPLEMENTED(app, isoIec23465_TypeSecurityDeviceApplication);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_createDataContainer(
    isoIec23465_SecurityDeviceApplication *app, const char *label, const uint8_t *identifier,
    size_t identifierLen, size_t size, isoIec23465_DataContainer **container)
{
    (void)label;
    (void)identifier;
    (void)identifierLen;
    (void)size;
    (void)container;
    PX_NOT_IMPLEMENTED(app, isoIec23465_TypeSecurityDeviceApplication);
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_deleteObject(isoIec23465_SecurityDeviceApplication *app,
                                                   isoIec23465_Object *object)
{
    (void)object;
    PX_NOT_IMPLEMENTED(app, isoIec23465_TypeSecurityDeviceApplication);
}

isoIec23465_Status isoIec23465_RootApplication_listApplications(
    isoIec23465_RootApplication *root, isoIec23465_SecurityDeviceApplication **apps, size_t *count)
{
    (void)apps;
    (void)count;
    PX_NOT_IMPLEMENTED(root, isoIec23465_TypeRootApplication);
}

isoIec23465_Status isoIec23465_RootApplication_getRandom(isoIec23465_RootApplication *root,
                                                         uint8_t *buf, size_t len)
{
    (void)buf;
    (void)len;
    PX_NOT_IMPLEMENTED(root, isoIec23465_TypeRootApplication);
}

isoIec23465_Status
isoIec23465_RootApplication_createApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                              size_t aidLen, const char *label,
                                              isoIec23465_SecurityDeviceApplication **app)
{
    (void)aid;
    (void)aidLen;
    (void)label;
    (void)app;
    PX_NOT_IMPLEMENTED(root, isoIec23465_TypeRootApplication);
}

isoIec23465_Status
isoIec23465_RootApplication_deleteApplication(isoIec23465_RootApplication *root,
                                              isoIec23465_SecurityDeviceApplication *app)
{
    (void)app;
    PX_NOT_IMPLEMENTED(root, isoIec23465_TypeRootApplication);
}

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

isoIec23465_Status isoIec23465_DataContainer_setData(isoIec23465_DataContainer *container,
                                                     size_t offset, const uint8_t *data, size_t len)
{
    (void)offset;
    (void)data;
    (void)len;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeDataContainer);
}

isoIec23465_Status isoIec23465_DataContainer_erase(isoIec23465_DataContainer *container)
{
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeDataContainer);
}

isoIec23465_Status isoIec23465_DataContainer_getRecord(isoIec23465_DataContainer *container,
                                                       unsigned recordNumber, uint8_t *buf,
                                                       size_t *len)
{
    (void)recordNumber;
    (void)buf;
    (void)len;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeDataContainer);
}

isoIec23465_Status isoIec23465_DataContainer_setRecord(isoIec23465_DataContainer *container,
                                                       unsigned recordNumber, const uint8_t *data,
                                                       size_t len)
{
    (void)recordNumber;
    (void)data;
    (void)len;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeDataContainer);
}

isoIec23465_Status isoIec23465_DataContainer_appendRecord(isoIec23465_DataContainer *container,
                                                          const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeDataContainer);
}

isoIec23465_Status isoIec23465_DataContainer_getRecordCount(isoIec23465_DataContainer *container,
                                                            size_t *count)
{
    (void)count;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeDataContainer);
}

isoIec23465_Status
isoIec23465_CertificateContainer_getCertificate(isoIec23465_CertificateContainer *container,
                                                uint8_t *buf, size_t *len)
{
    (void)buf;
    (void)len;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeCertificateContainer);
}

isoIec23465_Status
isoIec23465_CertificateContainer_setCertificate(isoIec23465_CertificateContainer *container,
                                                const uint8_t *der, size_t len)
{
    (void)der;
    (void)len;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeCertificateContainer);
}

isoIec23465_Status
isoIec23465_CertificateContainer_getAssociatedKey(isoIec23465_CertificateContainer *container,
                                                  isoIec23465_PrivateKey **key)
{
    (void)key;
    PX_NOT_IMPLEMENTED(container, isoIec23465_TypeCertificateContainer);
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

isoIec23465_Status isoIec23465_Key_getKeyType(isoIec23465_Key *key, isoIec23465_KeyType *type)
{
    (void)type;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeKey);
}

isoIec23465_Status isoIec23465_Key_getKeySize(isoIec23465_Key *key, size_t *bits)
{
    (void)bits;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeKey);
}

isoIec23465_Status isoIec23465_Key_getUsage(isoIec23465_Key *key, unsigned *usage)
{
    (void)usage;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeKey);
}

isoIec23465_Status isoIec23465_Key_getSupportedMechanisms(isoIec23465_Key *key,
                                                          isoIec23465_Mechanism *mechanisms,
                                                          size_t *count)
{
    (void)mechanisms;
    (void)count;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeKey);
}

isoIec23465_Status isoIec23465_AsymmetricKey_generateKeyPair(isoIec23465_AsymmetricKey *key,
                                                             isoIec23465_PublicKey **publicKey)
{
    (void)publicKey;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeAsymmetricKey);
}

isoIec23465_Status isoIec23465_AsymmetricKey_getPublicKey(isoIec23465_AsymmetricKey *key,
                                                          isoIec23465_PublicKey **publicKey)
{
    (void)publicKey;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeAsymmetricKey);
}

isoIec23465_Status isoIec23465_PublicKey_export(isoIec23465_PublicKey *key, uint8_t *buf,
                                                size_t *len)
{
    (void)buf;
    (void)len;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypePublicKey);
}

isoIec23465_Status isoIec23465_PublicKey_verify(isoIec23465_PublicKey *key,
                                                isoIec23465_Mechanism mechanism,
                                                isoIec23465_Hash hash, const uint8_t *hashValue,
                                                size_t hashLen, const uint8_t *signature,
                                                size_t signatureLen)
{
    (void)mechanism;
    (void)hash;
    (void)hashValue;
    (void)hashLen;
    (void)signature;
    (void)signatureLen;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypePublicKey);
}

isoIec23465_Status isoIec23465_PublicKey_encrypt(isoIec23465_PublicKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *in,
                                                 size_t inLen, uint8_t *out, size_t *outLen)
{
    (void)mechanism;
    (void)in;
    (void)inLen;
    (void)out;
    (void)outLen;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypePublicKey);
}

isoIec23465_Status isoIec23465_PrivateKey_sign(isoIec23465_PrivateKey *key,
                                               isoIec23465_Mechanism mechanism,
                                               isoIec23465_Hash hash, const uint8_t *hashValue,
                                               size_t hashLen, uint8_t *signature,
                                               size_t *signatureLen)
{
    (void)mechanism;
    (void)hash;
    (void)hashValue;
    (void)hashLen;
    (void)signature;
    (void)signatureLen;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypePrivateKey);
}

isoIec23465_Status isoIec23465_PrivateKey_decrypt(isoIec23465_PrivateKey *key,
                                                  isoIec23465_Mechanism mechanism,
                                                  const uint8_t *in, size_t inLen, uint8_t *out,
                                                  size_t *outLen)
{
    (void)mechanism;
    (void)in;
    (void)inLen;
    (void)out;
    (void)outLen;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypePrivateKey);
}

isoIec23465_Status isoIec23465_PrivateKey_deriveSharedSecret(isoIec23465_PrivateKey *key,
                                                             const uint8_t *peerPoint,
                                                             size_t peerLen, uint8_t *out,
                                                             size_t *outLen)
{
    (void)peerPoint;
    (void)peerLen;
    (void)out;
    (void)outLen;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypePrivateKey);
}

isoIec23465_Status isoIec23465_PrivateKey_internalAuthenticate(isoIec23465_PrivateKey *key,
                                                               const uint8_t *challenge,
                                                               size_t challengeLen, uint8_t *out,
                                                               size_t *outLen)
{
    (void)challenge;
    (void)challengeLen;
    (void)out;
    (void)outLen;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypePrivateKey);
}

/* encrypt and decrypt share their signature; `fn` names the caller in the message. */
static isoIec23465_Status px_cipher_unimpl(const char *fn, isoIec23465_SecretKey *key,
                                           isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                           size_t ivLen, const uint8_t *in, size_t inLen,
                                           uint8_t *out, size_t *outLen)
{
    (void)mechanism;
    (void)iv;
    (void)ivLen;
    (void)in;
    (void)inLen;
    (void)out;
    (void)outLen;
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(key, isoIec23465_TypeSecretKey, &c);
    if (st != isoIec23465_Success)
        return st;
    px_handle_leave(c);
    return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                        "%s is not implemented in this version", fn);
}

isoIec23465_Status isoIec23465_SecretKey_encrypt(isoIec23465_SecretKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                                 size_t ivLen, const uint8_t *in, size_t inLen,
                                                 uint8_t *out, size_t *outLen)
{
    return px_cipher_unimpl(__func__, key, mechanism, iv, ivLen, in, inLen, out, outLen);
}

isoIec23465_Status isoIec23465_SecretKey_decrypt(isoIec23465_SecretKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                                 size_t ivLen, const uint8_t *in, size_t inLen,
                                                 uint8_t *out, size_t *outLen)
{
    return px_cipher_unimpl(__func__, key, mechanism, iv, ivLen, in, inLen, out, outLen);
}

isoIec23465_Status isoIec23465_SecretKey_computeMac(isoIec23465_SecretKey *key,
                                                    isoIec23465_Mechanism mechanism,
                                                    const uint8_t *data, size_t len, uint8_t *mac,
                                                    size_t *macLen)
{
    (void)mechanism;
    (void)data;
    (void)len;
    (void)mac;
    (void)macLen;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeSecretKey);
}

isoIec23465_Status isoIec23465_SecretKey_verifyMac(isoIec23465_SecretKey *key,
                                                   isoIec23465_Mechanism mechanism,
                                                   const uint8_t *data, size_t len,
                                                   const uint8_t *mac, size_t macLen)
{
    (void)mechanism;
    (void)data;
    (void)len;
    (void)mac;
    (void)macLen;
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeSecretKey);
}

isoIec23465_Status isoIec23465_SecretKey_generate(isoIec23465_SecretKey *key)
{
    PX_NOT_IMPLEMENTED(key, isoIec23465_TypeSecretKey);
}
