/* DataContainer writing and record methods, CertificateContainer methods.
 * Work in progress: functions still answering FunctionNotImplemented use PX_NOT_IMPLEMENTED. */
#include "px_error.h"
#include "px_handle.h"
#include "px_unimpl.h"

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
