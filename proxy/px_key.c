/* Key, AsymmetricKey, PublicKey, PrivateKey and SecretKey methods (level 2).
 * Work in progress: functions still answering FunctionNotImplemented use PX_NOT_IMPLEMENTED. */
#include "px_error.h"
#include "px_handle.h"
#include "px_unimpl.h"

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
