/* The ISO/IEC TS 23465-2 API, C binding of this project (libsdproxy).
 *
 * What is the standard's and what is ours: the class names, the graduated levels, the
 * exception names and the two device functions (isoIec23465_getSecurityDeviceList,
 * isoIec23465_connectSecurityDevice) follow the public part of ISO/IEC TS 23465-2. The C shapes
 * below (handles, status enum, buffer conventions, attribute enums, function signatures) are this
 * project's design; see docs/api.md.
 *
 * Conventions, for every function unless its comment says otherwise:
 * - Every function returns an isoIec23465_Status; isoIec23465_Success (0) is success. Details of
 *   the last call on the calling thread are available from isoIec23465_getLastError().
 * - Handles are opaque. All handle types are the same underlying type carrying a class tag, so a
 *   subclass handle may be passed where a base class is expected (a DataContainer is an Object);
 *   a handle of the wrong class gives isoIec23465_IllegalArgument, a released handle or one whose
 *   device was disconnected gives isoIec23465_IllegalState. Nothing is sent to the device then.
 * - NULL for a required pointer gives isoIec23465_IllegalArgument before any APDU is sent.
 * - Out-parameters are written only on success.
 * - Output buffers: the caller passes a buffer and `*len` = its capacity in bytes. On success
 *   `*len` receives the number of bytes written. With buf == NULL only `*len` is set, to the
 *   size needed (a size query). A buffer too small gives isoIec23465_BufferTooSmall, writes
 *   nothing, and the size needed is in isoIec23465_ErrorDetails.requiredLength. Text outputs are
 *   NUL-terminated and the NUL is counted in `*len`.
 * - Release functions accept NULL.
 * - Functions marked "Not implemented in this version" return isoIec23465_FunctionNotImplemented
 *   after checking their arguments; their signatures may still change.
 * - Non-blocking (callback) forms of the functions are not offered by this version.
 * - Thread safety: handles of one device may be used from several threads; calls on one device
 *   are serialised by the proxy. On PC/SC, each call that sends APDUs runs inside one PC/SC
 *   transaction, so other clients of the card cannot interleave their commands.
 */
#ifndef ISOIEC23465_H
#define ISOIEC23465_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ISOIEC23465_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define ISOIEC23465_WARN_UNUSED
#endif

/* Version of this C binding, reported as the device attribute ApiVersion. */
#define ISOIEC23465_API_VERSION "0.1.0"

/* ---- Status and error details ---------------------------------------------------------- */

/* One status per exception of the standard (names follow them), plus BufferTooSmall, which is
 * this binding's own (a C output buffer that cannot hold the result). */
typedef enum isoIec23465_Status {
    isoIec23465_Success = 0,
    isoIec23465_FunctionNotImplemented = 1,       /* proxy or device lacks it (6D00, 6A81, 6E00) */
    isoIec23465_IllegalArgument = 2,              /* bad parameter, found before any APDU */
    isoIec23465_IllegalState = 3,                 /* released/closed handle, disconnected device */
    isoIec23465_SecurityDeviceNotFound = 4,       /* no such device */
    isoIec23465_ObjectNotFound = 5,               /* no such application/file/record (6A82/83/88) */
    isoIec23465_SecurityStatusNotSatisfied = 6,   /* 6982 */
    isoIec23465_AuthenticationFailed = 7,         /* 63Cx: remainingTries in the details */
    isoIec23465_AuthenticationMethodBlocked = 8,  /* 6983 */
    isoIec23465_ReferenceDataNotUsable = 9,       /* 6984 */
    isoIec23465_ConditionsOfUseNotSatisfied = 10, /* 6985 */
    isoIec23465_NotEnoughMemory = 11,             /* 6A84, or the host ran out of memory */
    isoIec23465_ObjectAlreadyExists = 12,         /* 6A89, 6A8A */
    isoIec23465_CommunicationError = 13,          /* transport failure, card removed, timeout */
    isoIec23465_SecurityDeviceError = 14,         /* any other SW (raw SW in the details) */
    isoIec23465_BufferTooSmall = 15               /* binding-specific, see the conventions */
} isoIec23465_Status;

/* Where a failure came from. */
typedef enum isoIec23465_ErrorOrigin {
    isoIec23465_OriginNone = 0,      /* the last call succeeded */
    isoIec23465_OriginLocal = 1,     /* found by the proxy, nothing sent */
    isoIec23465_OriginTransport = 2, /* PC/SC or the in-process card failed */
    isoIec23465_OriginDevice = 3     /* the device answered a status word */
} isoIec23465_ErrorOrigin;

/* Details of the last call made on the calling thread. */
typedef struct isoIec23465_ErrorDetails {
    isoIec23465_Status status;
    isoIec23465_ErrorOrigin origin;
    int hasStatusWord;     /* 1 when statusWord holds the device's SW1-SW2 */
    uint16_t statusWord;   /* SW1 << 8 | SW2 */
    int remainingTries;    /* tries left after AuthenticationFailed (63Cx); -1 when unknown */
    size_t requiredLength; /* BufferTooSmall: bytes needed; 0 otherwise */
    char message[256];     /* English text, NUL-terminated; "" on success */
} isoIec23465_ErrorDetails;

/* Returns the status of the last isoIec23465_* call on this thread (isoIec23465_getLastError
 * itself excluded) and, when `details` is not NULL, copies its details there. Never fails. */
isoIec23465_Status isoIec23465_getLastError(isoIec23465_ErrorDetails *details);

/* A static English name of a status, e.g. "ObjectNotFound"; "Unknown" for other values. */
const char *isoIec23465_statusToString(isoIec23465_Status status);

/* ---- Handles --------------------------------------------------------------------------- */

/* All handle types share one underlying type; the class is checked at run time. */
typedef struct isoIec23465_Handle isoIec23465_Handle;
typedef isoIec23465_Handle isoIec23465_SecurityDeviceList;
typedef isoIec23465_Handle isoIec23465_SecurityDeviceEntry;
typedef isoIec23465_Handle isoIec23465_SecurityDevice;
typedef isoIec23465_Handle isoIec23465_Object;
typedef isoIec23465_Handle isoIec23465_SecurityDeviceApplication;
typedef isoIec23465_Handle isoIec23465_RootApplication;
typedef isoIec23465_Handle isoIec23465_SensitiveContainer;
typedef isoIec23465_Handle isoIec23465_DataContainer;
typedef isoIec23465_Handle isoIec23465_CertificateContainer;
typedef isoIec23465_Handle isoIec23465_Authenticator;
typedef isoIec23465_Handle isoIec23465_Password;
typedef isoIec23465_Handle isoIec23465_Key;
typedef isoIec23465_Handle isoIec23465_AsymmetricKey;
typedef isoIec23465_Handle isoIec23465_PublicKey;
typedef isoIec23465_Handle isoIec23465_PrivateKey;
typedef isoIec23465_Handle isoIec23465_SecretKey;

/* The class of a handle (the most derived one). */
typedef enum isoIec23465_ObjectType {
    isoIec23465_TypeSecurityDeviceList = 1,
    isoIec23465_TypeSecurityDeviceEntry = 2,
    isoIec23465_TypeSecurityDevice = 3,
    isoIec23465_TypeObject = 10,
    isoIec23465_TypeSecurityDeviceApplication = 11,
    isoIec23465_TypeRootApplication = 12,
    isoIec23465_TypeSensitiveContainer = 13,
    isoIec23465_TypeDataContainer = 14,
    isoIec23465_TypeCertificateContainer = 15,
    isoIec23465_TypeAuthenticator = 16,
    isoIec23465_TypePassword = 17,
    isoIec23465_TypeKey = 18,
    isoIec23465_TypeAsymmetricKey = 19,
    isoIec23465_TypePublicKey = 20,
    isoIec23465_TypePrivateKey = 21,
    isoIec23465_TypeSecretKey = 22
} isoIec23465_ObjectType;

/* ---- Devices (clause 8 and 10.3) ------------------------------------------------------- */

typedef enum isoIec23465_DeviceType {
    isoIec23465_DeviceSmartCard = 1,
    isoIec23465_DeviceEmbeddedSecureElement = 2,
    isoIec23465_DeviceUicc = 3,
    isoIec23465_DeviceSecureSd = 4,
    isoIec23465_DeviceUsbToken = 5,
    isoIec23465_DeviceVirtual = 6
} isoIec23465_DeviceType;

typedef enum isoIec23465_Interface {
    isoIec23465_InterfaceContact = 1,
    isoIec23465_InterfaceContactless = 2,
    isoIec23465_InterfaceEmbedded = 3,
    isoIec23465_InterfaceVirtual = 4
} isoIec23465_Interface;

typedef enum isoIec23465_Presence {
    isoIec23465_PresenceAbsent = 0,
    isoIec23465_PresencePresent = 1,  /* present, no other client holds it */
    isoIec23465_PresenceInUse = 2,    /* present, another client has it open (shared) */
    isoIec23465_PresenceExclusive = 3 /* present, another client holds it exclusively */
} isoIec23465_Presence;

/* The security device attributes (our Table 2), each readable as text. */
typedef enum isoIec23465_DeviceAttribute {
    isoIec23465_AttrIdentifier = 1,       /* stable: "pcsc:<reader>" or "emu:<absolute path>" */
    isoIec23465_AttrName = 2,             /* reader name, or "sdemu in-process" */
    isoIec23465_AttrDeviceType = 3,       /* "smart card", "eSE", "UICC", "secure SD", ... */
    isoIec23465_AttrInterface = 4,        /* "contact", "contactless", "embedded", "virtual" */
    isoIec23465_AttrPresence = 5,         /* "absent", "present", "in use", "exclusive" */
    isoIec23465_AttrAtr = 6,              /* upper-case hex, bytes separated by spaces */
    isoIec23465_AttrManufacturer = 7,     /* from the device description */
    isoIec23465_AttrProduct = 8,          /* from the device description */
    isoIec23465_AttrSerialNumber = 9,     /* not known in this version: ObjectNotFound */
    isoIec23465_AttrOsVersion = 10,       /* not known in this version: ObjectNotFound */
    isoIec23465_AttrApiLevels = 11,       /* e.g. "1" or "1,2" */
    isoIec23465_AttrExtendedLength = 12,  /* "yes" / "no" */
    isoIec23465_AttrChaining = 13,        /* "yes" / "no" */
    isoIec23465_AttrLogicalChannels = 14, /* decimal */
    isoIec23465_AttrMaxCommandSize = 15,  /* decimal, bytes */
    isoIec23465_AttrMaxResponseSize = 16, /* decimal, bytes */
    isoIec23465_AttrApiVersion = 17       /* ISOIEC23465_API_VERSION */
} isoIec23465_DeviceAttribute;

/* Lists security devices. `spec` chooses which (NULL or "" means "pcsc"): a ';'-separated list
 * of
 *   "pcsc"            every PC/SC reader that holds a card,
 *   "pcsc:<reader>"   that reader, when it holds a card,
 *   "emu:<profile>"   an in-process emulated card loaded from a profile file (libsdemu).
 * Readers without a card are left out. No APDU is sent; PC/SC is asked with SCardListReaders
 * and SCardGetStatusChange (timeout 0). With no PC/SC service, "pcsc" yields no entries (not an
 * error); an "emu:" profile that cannot be loaded gives SecurityDeviceNotFound.
 * On success *list receives a new list the caller releases with
 * isoIec23465_SecurityDeviceList_release. Exceptions: IllegalArgument, SecurityDeviceNotFound,
 * CommunicationError (PC/SC failed other than "no service"), NotEnoughMemory. */
isoIec23465_Status isoIec23465_getSecurityDeviceList(const char *spec,
                                                     isoIec23465_SecurityDeviceList **list);

/* Number of entries in a device list. Exceptions: IllegalArgument. */
isoIec23465_Status
isoIec23465_SecurityDeviceList_getCount(const isoIec23465_SecurityDeviceList *list, size_t *count);

/* The entry at `index` (0-based). The entry belongs to the list and lives until the list is
 * released. Exceptions: IllegalArgument (also for index >= count). */
isoIec23465_Status isoIec23465_SecurityDeviceList_getEntry(isoIec23465_SecurityDeviceList *list,
                                                           size_t index,
                                                           isoIec23465_SecurityDeviceEntry **entry);

/* Releases a list and its entries; NULL is accepted. Devices connected from its entries stay
 * connected. */
void isoIec23465_SecurityDeviceList_release(isoIec23465_SecurityDeviceList *list);

/* An attribute of a device entry as text (see the conventions for buf/len).
 * Exceptions: IllegalArgument, BufferTooSmall, ObjectNotFound (attribute not known). */
isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getAttribute(const isoIec23465_SecurityDeviceEntry *entry,
                                             isoIec23465_DeviceAttribute attribute, char *buf,
                                             size_t *len);

/* The ATR as bytes. Exceptions: IllegalArgument, BufferTooSmall. */
isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getAtr(const isoIec23465_SecurityDeviceEntry *entry, uint8_t *buf,
                                       size_t *len);

/* Device type, interface and presence state of an entry. Exceptions: IllegalArgument. */
isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getDeviceType(const isoIec23465_SecurityDeviceEntry *entry,
                                              isoIec23465_DeviceType *type);
isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getInterface(const isoIec23465_SecurityDeviceEntry *entry,
                                             isoIec23465_Interface *iface);
isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getPresence(const isoIec23465_SecurityDeviceEntry *entry,
                                            isoIec23465_Presence *presence);

/* Connects to the device of an entry: "pcsc:" through SCardConnect (shared, T=0 or T=1),
 * "emu:" by loading the profile into an in-process card. The device description is then chosen
 * (matched on ATR and/or AID; this may send SELECT by AID). On success *device receives a new
 * connection the caller ends with isoIec23465_disconnectSecurityDevice.
 * Exceptions: IllegalArgument, SecurityDeviceNotFound (reader or card gone, profile missing),
 * CommunicationError, NotEnoughMemory. */
isoIec23465_Status isoIec23465_connectSecurityDevice(const isoIec23465_SecurityDeviceEntry *entry,
                                                     isoIec23465_SecurityDevice **device);

/* Convenience: connects by one spec, "pcsc:<reader>" or "emu:<profile path>" (see
 * isoIec23465_getSecurityDeviceList), without listing first. Same exceptions. */
isoIec23465_Status isoIec23465_connectSecurityDeviceBySpec(const char *spec,
                                                           isoIec23465_SecurityDevice **device);

/* Disconnects (SCardDisconnect with SCARD_LEAVE_CARD) and releases the device handle and every
 * handle obtained through it; those handles then answer IllegalState. NULL is accepted.
 * Exceptions: IllegalArgument (not a device handle). */
isoIec23465_Status isoIec23465_disconnectSecurityDevice(isoIec23465_SecurityDevice *device);

/* The root application of a connected device (its master file). The handle belongs to the
 * device; each call returns the same handle until it is released. No APDU is sent.
 * Exceptions: IllegalArgument, IllegalState. */
isoIec23465_Status
isoIec23465_SecurityDevice_getRootApplication(isoIec23465_SecurityDevice *device,
                                              isoIec23465_RootApplication **root);

/* ---- Object ----------------------------------------------------------------------------- */

/* The class of any handle. No APDU. Exceptions: IllegalArgument, IllegalState. */
isoIec23465_Status isoIec23465_Object_getType(const isoIec23465_Object *object,
                                              isoIec23465_ObjectType *type);

/* The label of an object (text; see the conventions). For applications the label of the device
 * description, for the root application the device description's name ("" when no description
 * matched). No APDU. Exceptions: IllegalArgument, IllegalState, BufferTooSmall. */
isoIec23465_Status isoIec23465_Object_getLabel(const isoIec23465_Object *object, char *buf,
                                               size_t *len);

/* The identifier of an object as bytes: a container's file identifier (e.g. 01 01), an
 * application's AID, 3F 00 for the root application. No APDU.
 * Exceptions: IllegalArgument, IllegalState, BufferTooSmall. */
isoIec23465_Status isoIec23465_Object_getIdentifier(const isoIec23465_Object *object, uint8_t *buf,
                                                    size_t *len);

/* The attributes of an object as DER. Not implemented in this version. */
isoIec23465_Status isoIec23465_Object_getAttributes(const isoIec23465_Object *object, uint8_t *buf,
                                                    size_t *len);

/* Releases an object handle and every handle obtained through it (releasing the root
 * application releases all objects of the device). NULL is accepted; the device handle itself is
 * released only by isoIec23465_disconnectSecurityDevice. */
void isoIec23465_Object_release(isoIec23465_Object *object);

/* ---- SecurityDeviceApplication ----------------------------------------------------------- */

typedef enum isoIec23465_LifeCycleState {
    isoIec23465_LifeCycleCreation = 1,
    isoIec23465_LifeCycleInitialisation = 2,
    isoIec23465_LifeCycleOperationalActivated = 3,
    isoIec23465_LifeCycleOperationalDeactivated = 4,
    isoIec23465_LifeCycleTerminated = 5
} isoIec23465_LifeCycleState;

/* The AID of an application (bytes). No APDU. The root application has none: ObjectNotFound.
 * Exceptions: IllegalArgument, IllegalState, BufferTooSmall, ObjectNotFound. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_getAid(const isoIec23465_SecurityDeviceApplication *app,
                                             uint8_t *buf, size_t *len);

/* Finds an object by label: in the root application among all objects of the device, in another
 * application among that application's objects. On success *object receives a new handle owned
 * by `app` (released with it, or with isoIec23465_Object_release). No APDU is sent: the object
 * table comes from the device description. Exceptions: IllegalArgument, IllegalState,
 * ObjectNotFound, NotEnoughMemory. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_findObject(isoIec23465_SecurityDeviceApplication *app,
                                                 const char *label, isoIec23465_Object **object);

/* Same, by identifier bytes (the file identifier of a container). Same exceptions. */
isoIec23465_Status isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(
    isoIec23465_SecurityDeviceApplication *app, const uint8_t *identifier, size_t identifierLen,
    isoIec23465_Object **object);

/* Lists the objects of a class (isoIec23465_TypeObject: all) into objects[0..*count).
 * Not implemented in this version. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_listObjects(isoIec23465_SecurityDeviceApplication *app,
                                                  isoIec23465_ObjectType type,
                                                  isoIec23465_Object **objects, size_t *count);

/* The life-cycle state of an application. Not implemented in this version. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_getLifeCycleState(isoIec23465_SecurityDeviceApplication *app,
                                                        isoIec23465_LifeCycleState *state);

/* Closes an application handle: same as isoIec23465_Object_release, but reports a wrong class
 * or a stale handle. Exceptions: IllegalArgument, IllegalState. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_close(isoIec23465_SecurityDeviceApplication *app);

/* Level 3 administration. Not implemented in this version. */
isoIec23465_Status isoIec23465_SecurityDeviceApplication_createDataContainer(
    isoIec23465_SecurityDeviceApplication *app, const char *label, const uint8_t *identifier,
    size_t identifierLen, size_t size, isoIec23465_DataContainer **container);
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_deleteObject(isoIec23465_SecurityDeviceApplication *app,
                                                   isoIec23465_Object *object);

/* ---- RootApplication --------------------------------------------------------------------- */

/* An attribute of the connected device, as isoIec23465_SecurityDeviceEntry_getAttribute.
 * Exceptions: IllegalArgument, IllegalState, BufferTooSmall, ObjectNotFound. */
isoIec23465_Status
isoIec23465_RootApplication_getSecurityDeviceAttribute(const isoIec23465_RootApplication *root,
                                                       isoIec23465_DeviceAttribute attribute,
                                                       char *buf, size_t *len);

/* Opens an application by AID (5..16 bytes): sends SELECT by DF name (00 A4 04 0C Lc AID).
 * On success *app receives a new handle owned by the root. Its label is the description's one,
 * or "" for an application the description does not know.
 * Exceptions: IllegalArgument, IllegalState, ObjectNotFound (6A82), CommunicationError,
 * SecurityDeviceError, NotEnoughMemory. */
isoIec23465_Status
isoIec23465_RootApplication_openApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                            size_t aidLen,
                                            isoIec23465_SecurityDeviceApplication **app);

/* Lists the applications. Not implemented in this version. */
isoIec23465_Status isoIec23465_RootApplication_listApplications(
    isoIec23465_RootApplication *root, isoIec23465_SecurityDeviceApplication **apps, size_t *count);

/* Level 2: random bytes from the device (GET CHALLENGE). Not implemented in this version. */
isoIec23465_Status isoIec23465_RootApplication_getRandom(isoIec23465_RootApplication *root,
                                                         uint8_t *buf, size_t len);

/* Level 3 administration. Not implemented in this version. */
isoIec23465_Status
isoIec23465_RootApplication_createApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                              size_t aidLen, const char *label,
                                              isoIec23465_SecurityDeviceApplication **app);
isoIec23465_Status
isoIec23465_RootApplication_deleteApplication(isoIec23465_RootApplication *root,
                                              isoIec23465_SecurityDeviceApplication *app);

/* ---- SensitiveContainer ------------------------------------------------------------------ */

typedef enum isoIec23465_Operation {
    isoIec23465_OperationRead = 1,
    isoIec23465_OperationUpdate = 2,
    isoIec23465_OperationErase = 3,
    isoIec23465_OperationUse = 4,
    isoIec23465_OperationDelete = 5
} isoIec23465_Operation;

typedef enum isoIec23465_AccessCondition {
    isoIec23465_AccessAlways = 1,
    isoIec23465_AccessNever = 2,
    isoIec23465_AccessAuthenticator = 3, /* guarded by an authenticator */
    isoIec23465_AccessSecureMessaging = 4
} isoIec23465_AccessCondition;

/* The access condition for one operation. Not implemented in this version. */
isoIec23465_Status
isoIec23465_SensitiveContainer_getAccessConditions(const isoIec23465_SensitiveContainer *container,
                                                   isoIec23465_Operation operation,
                                                   isoIec23465_AccessCondition *condition);

/* The authenticator guarding one operation. Not implemented in this version. */
isoIec23465_Status isoIec23465_SensitiveContainer_getProtectingAuthenticator(
    isoIec23465_SensitiveContainer *container, isoIec23465_Operation operation,
    isoIec23465_Authenticator **authenticator);

/* ---- DataContainer ----------------------------------------------------------------------- */

/* The whole content. APDUs: SELECT (by path 00 A4 08 04 from the MF, or by AID 00 A4 04 0C then
 * 00 A4 02 04 / 00 A4 09 04 inside the application), then READ BINARY (00 B0 offset Le) in
 * chunks (short Le up to 256, extended up to the device's limit when it offers extended
 * length); 61xx is followed by GET RESPONSE, 6Cxx by a re-send with the exact Le, 6282 ends the
 * read. buf == NULL is a size query (only the SELECT is sent when the file control parameters
 * give the size). Exceptions: IllegalArgument, IllegalState, BufferTooSmall, ObjectNotFound,
 * SecurityStatusNotSatisfied, CommunicationError, SecurityDeviceError,
 * FunctionNotImplemented (file larger than 32767 bytes). */
isoIec23465_Status isoIec23465_DataContainer_getData(isoIec23465_DataContainer *container,
                                                     uint8_t *buf, size_t *len);

/* `length` bytes from `offset`. The range must lie inside the content: offset + length > size
 * gives IllegalArgument (found from the size the SELECT reports, before any READ BINARY).
 * `*len` must be at least `length`; on success it receives `length`. buf == NULL: *len =
 * length after the range check. APDUs and other exceptions as getData. */
isoIec23465_Status isoIec23465_DataContainer_getDataRange(isoIec23465_DataContainer *container,
                                                          size_t offset, size_t length,
                                                          uint8_t *buf, size_t *len);

/* The content size in bytes: SELECT with FCP (00 A4 .. 04), data size from tag 80 (or 81);
 * when the device does not report it, the content is read to its end.
 * Exceptions: as getData. */
isoIec23465_Status isoIec23465_DataContainer_getSize(isoIec23465_DataContainer *container,
                                                     size_t *size);

/* Writes `len` bytes at `offset`. Not implemented in this version. */
isoIec23465_Status isoIec23465_DataContainer_setData(isoIec23465_DataContainer *container,
                                                     size_t offset, const uint8_t *data,
                                                     size_t len);

/* Erases the content. Not implemented in this version. */
isoIec23465_Status isoIec23465_DataContainer_erase(isoIec23465_DataContainer *container);

/* Record forms (record numbers from 1). Not implemented in this version. */
isoIec23465_Status isoIec23465_DataContainer_getRecord(isoIec23465_DataContainer *container,
                                                       unsigned recordNumber, uint8_t *buf,
                                                       size_t *len);
isoIec23465_Status isoIec23465_DataContainer_setRecord(isoIec23465_DataContainer *container,
                                                       unsigned recordNumber, const uint8_t *data,
                                                       size_t len);
isoIec23465_Status isoIec23465_DataContainer_appendRecord(isoIec23465_DataContainer *container,
                                                          const uint8_t *data, size_t len);
isoIec23465_Status isoIec23465_DataContainer_getRecordCount(isoIec23465_DataContainer *container,
                                                            size_t *count);

/* ---- CertificateContainer ---------------------------------------------------------------- */

/* Certificate as DER; set; the private key it belongs to. Not implemented in this version. */
isoIec23465_Status
isoIec23465_CertificateContainer_getCertificate(isoIec23465_CertificateContainer *container,
                                                uint8_t *buf, size_t *len);
isoIec23465_Status
isoIec23465_CertificateContainer_setCertificate(isoIec23465_CertificateContainer *container,
                                                const uint8_t *der, size_t len);
isoIec23465_Status
isoIec23465_CertificateContainer_getAssociatedKey(isoIec23465_CertificateContainer *container,
                                                  isoIec23465_PrivateKey **key);

/* ---- Authenticator and Password ---------------------------------------------------------- */

typedef enum isoIec23465_AuthenticatorStatus {
    isoIec23465_AuthNotVerified = 1,
    isoIec23465_AuthVerified = 2,
    isoIec23465_AuthBlocked = 3,
    isoIec23465_AuthNotRequired = 4
} isoIec23465_AuthenticatorStatus;

/* Not implemented in this version. */
isoIec23465_Status isoIec23465_Authenticator_getStatus(isoIec23465_Authenticator *auth,
                                                       isoIec23465_AuthenticatorStatus *status);
isoIec23465_Status isoIec23465_Authenticator_getRemainingTries(isoIec23465_Authenticator *auth,
                                                               int *tries);
isoIec23465_Status isoIec23465_Authenticator_getMaxTries(isoIec23465_Authenticator *auth,
                                                         int *tries);
isoIec23465_Status isoIec23465_Authenticator_resetStatus(isoIec23465_Authenticator *auth);

/* Password operations; secrets are copied only into wiped buffers. Not implemented in this
 * version. */
ISOIEC23465_WARN_UNUSED isoIec23465_Status
isoIec23465_Password_verify(isoIec23465_Password *password, const uint8_t *value, size_t len);
ISOIEC23465_WARN_UNUSED isoIec23465_Status
isoIec23465_Password_change(isoIec23465_Password *password, const uint8_t *oldValue, size_t oldLen,
                            const uint8_t *newValue, size_t newLen);
ISOIEC23465_WARN_UNUSED isoIec23465_Status
isoIec23465_Password_unblock(isoIec23465_Password *password, const uint8_t *resetCode,
                             size_t resetCodeLen, const uint8_t *newValue, size_t newLen);
ISOIEC23465_WARN_UNUSED isoIec23465_Status isoIec23465_Password_enableRequirement(
    isoIec23465_Password *password, const uint8_t *value, size_t len);
ISOIEC23465_WARN_UNUSED isoIec23465_Status isoIec23465_Password_disableRequirement(
    isoIec23465_Password *password, const uint8_t *value, size_t len);
isoIec23465_Status isoIec23465_Password_getLengthRange(isoIec23465_Password *password,
                                                       size_t *minLen, size_t *maxLen);

/* ---- Keys (level 2) ---------------------------------------------------------------------- */

typedef enum isoIec23465_KeyType {
    isoIec23465_KeyRsa = 1,
    isoIec23465_KeyEc = 2,
    isoIec23465_KeyAes = 3
} isoIec23465_KeyType;

/* Key usage bits. */
#define ISOIEC23465_USAGE_SIGN 0x01u
#define ISOIEC23465_USAGE_VERIFY 0x02u
#define ISOIEC23465_USAGE_ENCRYPT 0x04u
#define ISOIEC23465_USAGE_DECRYPT 0x08u
#define ISOIEC23465_USAGE_DERIVE 0x10u
#define ISOIEC23465_USAGE_AUTHENTICATE 0x20u

typedef enum isoIec23465_Mechanism {
    isoIec23465_MechRsaPkcs1V15 = 1,
    isoIec23465_MechRsaPss = 2,
    isoIec23465_MechRsaOaep = 3,
    isoIec23465_MechEcdsa = 4,
    isoIec23465_MechEcdh = 5,
    isoIec23465_MechAesCbc = 6,
    isoIec23465_MechAesEcb = 7,
    isoIec23465_MechAesCmac = 8
} isoIec23465_Mechanism;

typedef enum isoIec23465_Hash {
    isoIec23465_HashNone = 0,
    isoIec23465_HashSha256 = 1,
    isoIec23465_HashSha384 = 2,
    isoIec23465_HashSha512 = 3
} isoIec23465_Hash;

/* Not implemented in this version (all key functions below). Hash-based mechanisms take the
 * hash value, not the message. */
isoIec23465_Status isoIec23465_Key_getKeyType(isoIec23465_Key *key, isoIec23465_KeyType *type);
isoIec23465_Status isoIec23465_Key_getKeySize(isoIec23465_Key *key, size_t *bits);
isoIec23465_Status isoIec23465_Key_getUsage(isoIec23465_Key *key, unsigned *usage);
isoIec23465_Status isoIec23465_Key_getSupportedMechanisms(isoIec23465_Key *key,
                                                          isoIec23465_Mechanism *mechanisms,
                                                          size_t *count);
isoIec23465_Status isoIec23465_AsymmetricKey_generateKeyPair(isoIec23465_AsymmetricKey *key,
                                                             isoIec23465_PublicKey **publicKey);
isoIec23465_Status isoIec23465_AsymmetricKey_getPublicKey(isoIec23465_AsymmetricKey *key,
                                                          isoIec23465_PublicKey **publicKey);
isoIec23465_Status isoIec23465_PublicKey_export(isoIec23465_PublicKey *key, uint8_t *buf,
                                                size_t *len);
ISOIEC23465_WARN_UNUSED isoIec23465_Status isoIec23465_PublicKey_verify(
    isoIec23465_PublicKey *key, isoIec23465_Mechanism mechanism, isoIec23465_Hash hash,
    const uint8_t *hashValue, size_t hashLen, const uint8_t *signature, size_t signatureLen);
isoIec23465_Status isoIec23465_PublicKey_encrypt(isoIec23465_PublicKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *in,
                                                 size_t inLen, uint8_t *out, size_t *outLen);
isoIec23465_Status isoIec23465_PrivateKey_sign(isoIec23465_PrivateKey *key,
                                               isoIec23465_Mechanism mechanism,
                                               isoIec23465_Hash hash, const uint8_t *hashValue,
                                               size_t hashLen, uint8_t *signature,
                                               size_t *signatureLen);
isoIec23465_Status isoIec23465_PrivateKey_decrypt(isoIec23465_PrivateKey *key,
                                                  isoIec23465_Mechanism mechanism,
                                                  const uint8_t *in, size_t inLen, uint8_t *out,
                                                  size_t *outLen);
isoIec23465_Status isoIec23465_PrivateKey_deriveSharedSecret(isoIec23465_PrivateKey *key,
                                                             const uint8_t *peerPoint,
                                                             size_t peerLen, uint8_t *out,
                                                             size_t *outLen);
isoIec23465_Status isoIec23465_PrivateKey_internalAuthenticate(isoIec23465_PrivateKey *key,
                                                               const uint8_t *challenge,
                                                               size_t challengeLen, uint8_t *out,
                                                               size_t *outLen);
isoIec23465_Status isoIec23465_SecretKey_encrypt(isoIec23465_SecretKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                                 size_t ivLen, const uint8_t *in, size_t inLen,
                                                 uint8_t *out, size_t *outLen);
isoIec23465_Status isoIec23465_SecretKey_decrypt(isoIec23465_SecretKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                                 size_t ivLen, const uint8_t *in, size_t inLen,
                                                 uint8_t *out, size_t *outLen);
isoIec23465_Status isoIec23465_SecretKey_computeMac(isoIec23465_SecretKey *key,
                                                    isoIec23465_Mechanism mechanism,
                                                    const uint8_t *data, size_t len, uint8_t *mac,
                                                    size_t *macLen);
ISOIEC23465_WARN_UNUSED isoIec23465_Status
isoIec23465_SecretKey_verifyMac(isoIec23465_SecretKey *key, isoIec23465_Mechanism mechanism,
                                const uint8_t *data, size_t len, const uint8_t *mac, size_t macLen);
isoIec23465_Status isoIec23465_SecretKey_generate(isoIec23465_SecretKey *key);

#ifdef __cplusplus
}
#endif

#endif
