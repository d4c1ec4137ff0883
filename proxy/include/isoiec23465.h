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
 * - A function the device offers no command for (isoIec23465_SecretKey_generate on ISO/IEC 7816-8
 *   cards) returns isoIec23465_FunctionNotImplemented after checking its arguments.
 * - Non-blocking (callback) forms of the functions (F_async) are in isoiec23465_async.h.
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
    isoIec23465_AttrManufacturer = 7,     /* the description's, else TokenInfo's (7816-15) */
    isoIec23465_AttrProduct = 8,          /* from the device description */
    isoIec23465_AttrSerialNumber = 9,     /* TokenInfo serialNumber (7816-15) */
    isoIec23465_AttrOsVersion = 10,       /* the description's os_version (connected devices) */
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
 * "emu:" by loading the profile into an in-process card. When the historical bytes announce
 * EF.ATR/INFO (card service data b5 with READ BINARY access, or card capabilities b6), it is read
 * first (00 A4 08 0C 02 2F 01, READ BINARY 00 B0): its card capabilities (47) complete the ATR's
 * and its extended length information (7F66) bounds the command and response sizes; a missing or
 * malformed file leaves the ATR's values. The device description is then chosen
 * (matched on ATR and/or AID; this may send SELECT by AID), and the card's ISO/IEC 7816-15 data
 * is read and merged with it into the object table (in one transaction, at most 64 commands:
 * SELECT 00 A4 08 04 of EF.DIR 2F00, READ BINARY 00 B0 or READ RECORD 00 B2 nn 04, SELECT of the
 * PKCS#15 application, then SELECT + READ BINARY of EF.OD, TokenInfo and each DF EF.OD lists;
 * a card without 7816-15 costs two SELECTs). Malformed 7816-15 data does not fail the connect:
 * what could be read is used. On success *device receives a new connection the caller ends with
 * isoIec23465_disconnectSecurityDevice.
 * Exceptions: IllegalArgument, SecurityDeviceNotFound (reader or card gone, profile missing),
 * CommunicationError (also when the card stops answering during discovery), NotEnoughMemory. */
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

/* The attributes of an object (any class) as DER, this binding's encoding (docs/api.md,
 * "Object attributes"):
 *   ObjectAttributes ::= SEQUENCE {
 *     class      [0] IMPLICIT INTEGER,              -- isoIec23465_ObjectType
 *     label      [1] IMPLICIT UTF8String,
 *     identifier [2] IMPLICIT OCTET STRING OPTIONAL, -- as isoIec23465_Object_getIdentifier
 *     aid        [3] IMPLICIT OCTET STRING OPTIONAL, -- an application's AID, or the AID of the
 *                                                    -- application holding the object
 *     path       [4] IMPLICIT OCTET STRING OPTIONAL, -- file path of a container (3F00 ... from
 *                                                    -- the MF, or inside its application)
 *     reference  [5] IMPLICIT INTEGER OPTIONAL }     -- Password: PIN reference; keys: key ref.
 * Follows the buffer conventions (size query with buf NULL). No APDU.
 * Exceptions: IllegalArgument, IllegalState, BufferTooSmall. */
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
 * table was built at connect (ISO/IEC 7816-15 discovery and the device description). Exceptions:
 * IllegalArgument, IllegalState, ObjectNotFound, NotEnoughMemory. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_findObject(isoIec23465_SecurityDeviceApplication *app,
                                                 const char *label, isoIec23465_Object **object);

/* Same, by identifier bytes (the file identifier of a container). Same exceptions. */
isoIec23465_Status isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(
    isoIec23465_SecurityDeviceApplication *app, const uint8_t *identifier, size_t identifierLen,
    isoIec23465_Object **object);

/* Lists the objects of class `type` or of a class derived from it (isoIec23465_TypeObject: all
 * objects; isoIec23465_TypeKey: every key; isoIec23465_TypeDataContainer includes certificate
 * containers) in the scope of `app` (the root application: all objects of the device; another
 * application: its own objects), in the object table's order. Applications are not listed here
 * (isoIec23465_RootApplication_listApplications).
 * `objects` is the caller's array and `*count` its capacity in entries; on success `*count`
 * receives the number of objects and objects[0..*count) new handles, owned by `app` (released
 * with it or one by one with isoIec23465_Object_release). With objects == NULL only `*count` is
 * set (a size query, no handle is made). A capacity too small gives BufferTooSmall with the
 * number of entries needed in requiredLength, and makes no handle. No APDU.
 * Exceptions: IllegalArgument (NULL count, or `type` not a class of objects: a device, list or
 * application class), IllegalState, BufferTooSmall, NotEnoughMemory. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_listObjects(isoIec23465_SecurityDeviceApplication *app,
                                                  isoIec23465_ObjectType type,
                                                  isoIec23465_Object **objects, size_t *count);

/* The life-cycle state of an application, from selecting its DF: the root application selects
 * the MF (00 A4 00 04 3F00), another one its DF by AID (00 A4 04 04 AID; "next occurrence",
 * P2 06, while the FCP's DF name shows a longer AID matched). The FCP's life cycle status byte
 * (tag 8A, ISO/IEC 7816-4) gives the state: 01 Creation, 03 Initialisation, 05/07
 * OperationalActivated, 04/06 OperationalDeactivated, 0C..0F Terminated; the SELECT status 6283
 * (deactivated) or 6285 (terminated) decides when the byte is absent or says less; without
 * either, a DF selected with 9000 is OperationalActivated. A card refusing P2 04 (6A86, 6A81) is
 * asked again with P2 0C.
 * Exceptions: IllegalArgument, IllegalState, ObjectNotFound (6A82; or an application handle
 * without AID), CommunicationError, SecurityDeviceError. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_getLifeCycleState(isoIec23465_SecurityDeviceApplication *app,
                                                        isoIec23465_LifeCycleState *state);

/* Closes an application handle: same as isoIec23465_Object_release, but reports a wrong class
 * or a stale handle. Exceptions: IllegalArgument, IllegalState. */
isoIec23465_Status
isoIec23465_SecurityDeviceApplication_close(isoIec23465_SecurityDeviceApplication *app);

/* Level 3: creates a transparent EF of `size` bytes (1..65535) with file identifier
 * `identifier` (2 bytes; not 3F00, 3FFF, FFFF) in the application's DF: SELECT (the MF:
 * 00 A4 00 0C 3F00; an application: 00 A4 04 0C AID), then CREATE FILE 00 E0 00 00 with the FCP
 * 62 { 82 01 01, 83 02 FID, 80 02 size }. The card gives the new file its access rules (the
 * reference card: those of the DF; creating needs the DF's `create` right, e.g. the "so" PIN in
 * the MF). `label` (1..255 bytes) must be unused among the device's objects; it is kept in the
 * proxy's object table only. On success *container receives a new DataContainer handle owned
 * by `app`, and findObject / listObjects find the object until the connection ends.
 * Exceptions: IllegalArgument, IllegalState (an application handle the object table does not
 * know, or a deleted one), ObjectAlreadyExists (the label is in use; 6A89 file identifier in
 * use), SecurityStatusNotSatisfied (6982), NotEnoughMemory (6A84; the table's 256 objects),
 * ObjectNotFound (SELECT 6A82), CommunicationError, SecurityDeviceError. */
isoIec23465_Status isoIec23465_SecurityDeviceApplication_createDataContainer(
    isoIec23465_SecurityDeviceApplication *app, const char *label, const uint8_t *identifier,
    size_t identifierLen, size_t size, isoIec23465_DataContainer **container);

/* Level 3: deletes the file of a data or certificate container in the scope of `app`: selects
 * the file's parent DF (00 A4 00 0C 3F00, 00 A4 08 0C path, or 00 A4 04 0C AID and 00 A4 09 0C
 * path), then DELETE FILE 00 E4 00 00 02 FID. The object leaves the object table (findObject
 * and listObjects no longer give it); handles of it stay valid handles until released, and
 * their device calls answer what the device says (ObjectNotFound). Deleting it again gives
 * ObjectNotFound without an APDU.
 * Exceptions: IllegalArgument (NULL, an application handle, an object of another device or
 * application), IllegalState, FunctionNotImplemented (passwords and keys), ObjectNotFound,
 * SecurityStatusNotSatisfied (6982: the reference card's files need the "so" PIN),
 * CommunicationError, SecurityDeviceError. */
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

/* Opens an application by AID (5..16 bytes). When the device offers logical channels (ATR), a
 * channel is opened for it first (MANAGE CHANNEL 00 70 00 00 01) and the application is
 * selected on that channel (SELECT by DF name 0x A4 04 0C Lc AID, the channel in CLA); the
 * application's objects then use that channel, and closing or releasing the application closes
 * it (00 70 80 nn). Without channels, or when the device has none left, the SELECT goes on the
 * basic channel. On success *app receives a new handle owned by the root. Its label is the
 * description's one, or "" for an application the description does not know.
 * Exceptions: IllegalArgument, IllegalState, ObjectNotFound (6A82), CommunicationError,
 * SecurityDeviceError, NotEnoughMemory. */
isoIec23465_Status
isoIec23465_RootApplication_openApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                            size_t aidLen,
                                            isoIec23465_SecurityDeviceApplication **app);

/* Lists the applications of the object table (those the device description names and those
 * ISO/IEC 7816-15 discovery found in EF.DIR, plus the ones createApplication made), as new
 * handles owned by `root`, like isoIec23465_RootApplication_openApplication gives them. The
 * array rule is listObjects': caller's array, `*count` in/out, size query with apps == NULL,
 * BufferTooSmall with requiredLength = entries needed. No APDU.
 * Exceptions: IllegalArgument, IllegalState, BufferTooSmall, NotEnoughMemory. */
isoIec23465_Status isoIec23465_RootApplication_listApplications(
    isoIec23465_RootApplication *root, isoIec23465_SecurityDeviceApplication **apps, size_t *count);

/* Level 2: fills buf[0..len) (len 1..65536) with random bytes of the device: GET CHALLENGE
 * 00 84 00 00 Le, repeated in chunks of at most 256 bytes (a card answering 6700 is asked for
 * half as much, down to 8 bytes). buf is written only on success.
 * Exceptions: IllegalArgument (NULL buf, len 0 or above 65536), IllegalState,
 * FunctionNotImplemented (6D00), CommunicationError, SecurityDeviceError, NotEnoughMemory. */
isoIec23465_Status isoIec23465_RootApplication_getRandom(isoIec23465_RootApplication *root,
                                                         uint8_t *buf, size_t len);

/* Level 3: creates an application: a DF named `aid` (5..16 bytes) under the MF: SELECT
 * 00 A4 00 0C 3F00, then CREATE FILE 00 E0 00 00 with the FCP 62 { 82 01 38, 84 L AID } (no file
 * identifier). The card gives it its access rules (the reference card: the MF's, so the "so"
 * PIN is needed). `label` (at most 255 bytes) is kept in the proxy's object table only. On
 * success *app receives a new handle owned by `root`, as from openApplication.
 * Exceptions: IllegalArgument, IllegalState, ObjectAlreadyExists (6A8A, 6A89),
 * SecurityStatusNotSatisfied (6982), NotEnoughMemory (6A84; the table's 32 applications),
 * CommunicationError, SecurityDeviceError. */
isoIec23465_Status
isoIec23465_RootApplication_createApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                              size_t aidLen, const char *label,
                                              isoIec23465_SecurityDeviceApplication **app);

/* Level 3: deletes an application's DF and everything in it: SELECT 00 A4 04 04 AID (checking
 * the FCP's DF name, as getLifeCycleState), then DELETE FILE 00 E4 00 00 without data (the
 * current DF). The application and its objects leave the object table; `app` stays a valid
 * handle until released (its device calls then answer ObjectNotFound).
 * Exceptions: IllegalArgument (NULL, the root application, an application of another device
 * or without AID), IllegalState, ObjectNotFound (6A82), SecurityStatusNotSatisfied (6982),
 * CommunicationError, SecurityDeviceError. */
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

/* The access condition for one operation of a SensitiveContainer (DataContainer,
 * CertificateContainer; keys are not SensitiveContainers in this binding), from the object
 * table: AccessAlways, AccessNever, or AccessAuthenticator (a password guards it; see
 * getProtectingAuthenticator). No APDU. Written only on success.
 * Exceptions: IllegalArgument (NULL condition, operation outside Read..Delete, a handle that is
 * no SensitiveContainer), IllegalState, ObjectNotFound (neither the device's ISO/IEC 7816-15 data
 * nor the device description says what guards this operation). */
isoIec23465_Status
isoIec23465_SensitiveContainer_getAccessConditions(const isoIec23465_SensitiveContainer *container,
                                                   isoIec23465_Operation operation,
                                                   isoIec23465_AccessCondition *condition);

/* The authenticator guarding one operation: on success *authenticator receives a new Password
 * handle owned by the container's application (the one the container was found in), released
 * with it or with isoIec23465_Object_release; it outlives the container's handle. No APDU.
 * Exceptions: IllegalArgument (as getAccessConditions, NULL authenticator), IllegalState,
 * ObjectNotFound (the operation is always or never allowed, or its guard is not known),
 * NotEnoughMemory. */
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

/* Writes data[0..len) at `offset` of a transparent container (a CertificateContainer too).
 * APDUs: SELECT as getData (asking for the FCP), then UPDATE BINARY (00 D6 offset data) in
 * chunks of at most 255 bytes (short Lc), or up to 65528 when the device offers extended
 * length. Checked before any UPDATE BINARY: data not NULL and len > 0 (IllegalArgument, before
 * the SELECT too); offset + len within the size the FCP reports (IllegalArgument); a record file
 * (FunctionNotImplemented); a chunk starting beyond offset 32767 (FunctionNotImplemented). The
 * chunks are not atomic: when one fails, the earlier ones stay written.
 * Exceptions: IllegalArgument, IllegalState, FunctionNotImplemented, ObjectNotFound,
 * SecurityStatusNotSatisfied (6982: e.g. the update PIN is not verified), NotEnoughMemory
 * (6A84), ConditionsOfUseNotSatisfied, CommunicationError, SecurityDeviceError. */
isoIec23465_Status isoIec23465_DataContainer_setData(isoIec23465_DataContainer *container,
                                                     size_t offset, const uint8_t *data,
                                                     size_t len);

/* Erases the content: every byte of a transparent file becomes 00 (the device's erased state),
 * every record of a record file is erased. APDUs: SELECT as getData, then ERASE BINARY
 * (00 0E 00 00, no data: from offset 0 to the end) or, on a record file, ERASE RECORD(S)
 * (00 0C 01 05: record 1 to the last; 6A83, no record, is success). When the device does not
 * know ERASE BINARY (6D00 or 6A81), UPDATE BINARY writes zeros over the size the FCP reports
 * (FunctionNotImplemented when it reports none). An access rule refusing the erase (6982) is
 * reported as such; the proxy does not fall back to UPDATE BINARY then.
 * Exceptions: IllegalArgument, IllegalState, FunctionNotImplemented, ObjectNotFound,
 * SecurityStatusNotSatisfied, ConditionsOfUseNotSatisfied, CommunicationError,
 * SecurityDeviceError. */
isoIec23465_Status isoIec23465_DataContainer_erase(isoIec23465_DataContainer *container);

/* Record forms, for containers whose file is a record file (linear fixed, linear variable,
 * cyclic). Record numbers run from 1 to 254; 0 and above 254 give IllegalArgument before any
 * APDU. Each call SELECTs the file as getData (asking for the FCP); when the FCP says the file is
 * transparent, the call fails with FunctionNotImplemented before the record command is sent
 * (without an FCP the device decides: 6981 gives SecurityDeviceError). Common exceptions:
 * IllegalArgument, IllegalState, FunctionNotImplemented, ObjectNotFound (6A82; 6A83: no such
 * record), SecurityStatusNotSatisfied, ConditionsOfUseNotSatisfied, CommunicationError,
 * SecurityDeviceError. */

/* Record `recordNumber` into buf/len (buffer conventions; buf == NULL is a size query, which
 * reads the record too). APDU: READ RECORD 00 B2 nn 04 Le 256 (6282 is success). Also:
 * BufferTooSmall. */
isoIec23465_Status isoIec23465_DataContainer_getRecord(isoIec23465_DataContainer *container,
                                                       unsigned recordNumber, uint8_t *buf,
                                                       size_t *len);
/* Replaces record `recordNumber` with data[0..len). APDU: UPDATE RECORD 00 DC nn 04 data.
 * IllegalArgument before the command when data is NULL, len is 0, or len does not fit the
 * record size the FCP gives (linear fixed / cyclic: exactly; linear variable: at most). */
isoIec23465_Status isoIec23465_DataContainer_setRecord(isoIec23465_DataContainer *container,
                                                       unsigned recordNumber, const uint8_t *data,
                                                       size_t len);
/* Adds a record after the last one (cyclic files: as the new record 1). APDU: APPEND RECORD
 * 00 E2 00 00 data. Length checks as setRecord. Also: NotEnoughMemory (6A84: the file is
 * full). */
isoIec23465_Status isoIec23465_DataContainer_appendRecord(isoIec23465_DataContainer *container,
                                                          const uint8_t *data, size_t len);
/* The number of records: from the FCP's file descriptor (tag 82, number of records), or, when the
 * device does not give it, by READ RECORD 1, 2, ... until 6A83 (at most 254 reads). */
isoIec23465_Status isoIec23465_DataContainer_getRecordCount(isoIec23465_DataContainer *container,
                                                            size_t *count);

/* ---- CertificateContainer ---------------------------------------------------------------- */

/* A CertificateContainer is a DataContainer: getData, getSize and setData work on it too (they
 * see the whole file, padding included). */

/* The certificate (X.509, DER) into buf/len (buffer conventions). Exactly the outer SEQUENCE
 * comes back, never the file's padding after it. APDUs: SELECT as getData, READ BINARY of the
 * first 5 bytes (the SEQUENCE header), then READ BINARY of the rest (chunks as getData); a size
 * query (buf == NULL) reads only the header. Exceptions: IllegalArgument, IllegalState,
 * BufferTooSmall, ObjectNotFound (no file; or the file is empty or starts with 00 / FF: no
 * certificate stored), SecurityStatusNotSatisfied, SecurityDeviceError (the content is not a
 * SEQUENCE, or is longer than the file), FunctionNotImplemented, CommunicationError. */
isoIec23465_Status
isoIec23465_CertificateContainer_getCertificate(isoIec23465_CertificateContainer *container,
                                                uint8_t *buf, size_t *len);
/* Stores a certificate: der[0..len) must be exactly one DER SEQUENCE (tag 30, definite length
 * in its shortest form, nothing after it), else IllegalArgument before any APDU. The proxy does
 * not parse the certificate further. APDUs: SELECT as getData, then UPDATE BINARY from offset 0
 * (chunks as setData); bytes of the file after the certificate are left as they were
 * (getCertificate does not return them). A certificate larger than the file (the size from the
 * FCP) gives NotEnoughMemory before any UPDATE BINARY, as the device's own answer (6A84) would.
 * Exceptions: IllegalArgument, IllegalState, NotEnoughMemory, ObjectNotFound,
 * SecurityStatusNotSatisfied (the file's update rule; on the reference card, the PIN that
 * guards the certificate's key), FunctionNotImplemented, CommunicationError,
 * SecurityDeviceError. */
isoIec23465_Status
isoIec23465_CertificateContainer_setCertificate(isoIec23465_CertificateContainer *container,
                                                const uint8_t *der, size_t len);
/* The private key the certificate belongs to (the object table's link, else the PrivateKey with
 * the same identifier, as ISO/IEC 7816-15 links them). *key receives a new handle owned like
 * findObject's: by the application the certificate was found in, released with it or by
 * isoIec23465_Object_release. No APDU is sent. Exceptions: IllegalArgument, IllegalState,
 * ObjectNotFound (no private key belongs to it), NotEnoughMemory. */
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

/* Authenticators are the device's passwords (PINs), each with a reference (P2 of the commands
 * below) from the object table. Before a command on a DF-specific reference (b8 set) the proxy
 * selects the password's application (00 A4 04 0C AID), or its DF by path (00 A4 08 0C).
 * Common exceptions of the Authenticator and Password functions: IllegalArgument (NULL or
 * wrong-class handle, NULL out-parameter), IllegalState (released handle, disconnected device,
 * a handle without an object-table entry), CommunicationError, SecurityDeviceError (other SW,
 * raw in the details), ObjectNotFound (6A88: reference unknown to the device; 6A82: its
 * application is gone). */

/* The verification status, asked with VERIFY without data (00 20 00 ref), which only asks: it
 * never authenticates and never costs a try. 9000: AuthVerified, or AuthNotRequired when this
 * connection disabled the requirement (isoIec23465_Password_disableRequirement) — the device
 * answers both the same way, so a requirement disabled by another connection reads as
 * AuthVerified; 63Cx (x > 0) or 6300: AuthNotVerified; 6983 or 63C0: AuthBlocked.
 * Exceptions: the common ones. */
isoIec23465_Status isoIec23465_Authenticator_getStatus(isoIec23465_Authenticator *auth,
                                                       isoIec23465_AuthenticatorStatus *status);

/* The tries left, with the same query as getStatus: x from 63Cx, 0 when blocked (6983). When
 * the device answers 9000 (verified) it does not give the counter; a successful VERIFY restores
 * it, so the retry limit is returned (ObjectNotFound when the limit is not known, or when the
 * requirement is disabled, or the device answers 6300: then the counter is not reported).
 * Exceptions: the common ones, ObjectNotFound. */
isoIec23465_Status isoIec23465_Authenticator_getRemainingTries(isoIec23465_Authenticator *auth,
                                                               int *tries);

/* The retry limit from the object table (the device description's max_tries: ISO/IEC 7816-15 v1 has
 * no field for it). No APDU. Exceptions: IllegalArgument, IllegalState, ObjectNotFound (the limit
 * is not known). */
isoIec23465_Status isoIec23465_Authenticator_getMaxTries(isoIec23465_Authenticator *auth,
                                                         int *tries);

/* Logs out: resets the verification status of this password only, with VERIFY P1 FF
 * (00 20 FF ref, ISO/IEC 7816-4:2013); no try is spent. A device that refuses P1 FF (6A86,
 * 6A00, 6B00, 6A81, 6D00) gives FunctionNotImplemented: the proxy does not fall back to a
 * reset, which would log out every password and close every application.
 * Exceptions: the common ones, FunctionNotImplemented. */
isoIec23465_Status isoIec23465_Authenticator_resetStatus(isoIec23465_Authenticator *auth);

/* Password values. A value is given as characters (bytes; digits '0'..'9' for BCD and ISO 9564
 * format 2 passwords) and encoded as the password's object says: ASCII as given, BCD two digits
 * per byte (an odd count ends with nibble F), ISO 9564-1 format 2 (2L, digits, F filler, 8
 * bytes); then padded with the padding byte to the stored length when one is given. Its length
 * must lie within getLengthRange, a BCD / format 2 value must be digits, and a padded ASCII
 * value must not hold the padding byte; else IllegalArgument before any APDU. The value is
 * copied only into buffers wiped before the call returns, and never appears in messages.
 * Exceptions of every Password function: the common ones and IllegalArgument as said. */

/* Verifies: VERIFY 00 20 00 ref Lc value. Exceptions: AuthenticationFailed (63Cx: tries left in
 * the details' remainingTries; 6300: remainingTries -1), AuthenticationMethodBlocked (6983),
 * ReferenceDataNotUsable (6984). */
ISOIEC23465_WARN_UNUSED isoIec23465_Status
isoIec23465_Password_verify(isoIec23465_Password *password, const uint8_t *value, size_t len);

/* Changes the value: CHANGE REFERENCE DATA 00 24 00 ref Lc current||new (both encoded); the
 * password is verified afterwards. Exceptions as verify (for the current value), and
 * SecurityStatusNotSatisfied / ConditionsOfUseNotSatisfied when the device's rules forbid the
 * change. */
ISOIEC23465_WARN_UNUSED isoIec23465_Status
isoIec23465_Password_change(isoIec23465_Password *password, const uint8_t *oldValue, size_t oldLen,
                            const uint8_t *newValue, size_t newLen);

/* Unblocks with the resetting code (PUK): RESET RETRY COUNTER 00 2C 00 ref Lc code||new, the
 * code encoded as its own password object (the unblocking password of the object table) says.
 * Without a new value (newValue NULL, newLen 0) P1 01 and the code only: the counter is reset
 * and the value kept. The counter returns to its limit. Exceptions: ObjectNotFound (the
 * password has no unblocking password in the object table; nothing sent), AuthenticationFailed
 * (wrong code: remainingTries are the code's own), AuthenticationMethodBlocked (the code is
 * blocked), ConditionsOfUseNotSatisfied, SecurityStatusNotSatisfied. */
ISOIEC23465_WARN_UNUSED isoIec23465_Status
isoIec23465_Password_unblock(isoIec23465_Password *password, const uint8_t *resetCode,
                             size_t resetCodeLen, const uint8_t *newValue, size_t newLen);

/* Enables / disables the verification requirement: ENABLE (00 28 00 ref Lc value) or DISABLE
 * (00 26 00 ref Lc value) VERIFICATION REQUIREMENT. With value NULL and len 0, P1 01 without
 * data: the password must be verified already (else SecurityStatusNotSatisfied). Exceptions as
 * verify, and ConditionsOfUseNotSatisfied (6985: e.g. the password may not be disabled),
 * SecurityStatusNotSatisfied. */
ISOIEC23465_WARN_UNUSED isoIec23465_Status isoIec23465_Password_enableRequirement(
    isoIec23465_Password *password, const uint8_t *value, size_t len);
ISOIEC23465_WARN_UNUSED isoIec23465_Status isoIec23465_Password_disableRequirement(
    isoIec23465_Password *password, const uint8_t *value, size_t len);

/* The accepted value lengths in characters, from the object table (minLength, maxLength; a
 * missing maximum follows from the stored length and encoding). No APDU.
 * Exceptions: IllegalArgument, IllegalState, ObjectNotFound (no maximum is known). */
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

/* Common to the key functions below (docs/api.md, "Keys"):
 * - The card references come from the object table: key reference, type, size, usage and the
 *   algorithm references (mechanism + hash -> MSE tag 80) of the device description.
 * - Before an operation on a key inside an application, that application is selected
 *   (00 A4 04 0C AID). The key operations need the key's password verified on most devices:
 *   SecurityStatusNotSatisfied (6982) otherwise.
 * - Mechanism errors, found before any APDU: a mechanism of another key type, or one that does
 *   not fit the operation (ECDSA on an RSA key, OAEP for a signature, CMAC for encryption) gives
 *   IllegalArgument; an operation outside the key's usage (signing with a decryption key), or a
 *   mechanism + hash for which the device lists no algorithm reference for this key, gives
 *   FunctionNotImplemented.
 * - Hash-based mechanisms take the hash value, not the message; with a hash named, the value
 *   must have its length (IllegalArgument otherwise, before any APDU).
 * - Signatures: RSA the modulus length; ECDSA plain r || s, each the field size (64 bytes for
 *   P-256, 96 for P-384, 132 for P-521), as PKCS#11 CKM_ECDSA.
 * - Output buffers follow the conventions (NULL: size query without APDU, BufferTooSmall with
 *   requiredLength, also before any APDU when the size is known from the key).
 * Exceptions of every key function, besides the ones named: IllegalArgument (NULL, wrong class),
 * IllegalState (stale handle, closed device), CommunicationError, SecurityDeviceError (other
 * SWs; the raw SW is in the details). */

/* The key type (RSA, EC, AES). No APDU. Exceptions: ObjectNotFound (not known). */
isoIec23465_Status isoIec23465_Key_getKeyType(isoIec23465_Key *key, isoIec23465_KeyType *type);

/* The key size in bits (RSA modulus, EC field: 256/384/521, AES key). No APDU.
 * Exceptions: ObjectNotFound (not known). */
isoIec23465_Status isoIec23465_Key_getKeySize(isoIec23465_Key *key, size_t *bits);

/* The usage bits (ISOIEC23465_USAGE_*); 0 when the device did not say. No APDU. */
isoIec23465_Status isoIec23465_Key_getUsage(isoIec23465_Key *key, unsigned *usage);

/* The mechanisms the device offers with this key, each once, into mechanisms[0..*count) (*count
 * = capacity in entries on input). mechanisms == NULL: *count receives the number only.
 * BufferTooSmall: requiredLength holds the number of entries. No APDU. */
isoIec23465_Status isoIec23465_Key_getSupportedMechanisms(isoIec23465_Key *key,
                                                          isoIec23465_Mechanism *mechanisms,
                                                          size_t *count);

/* Generates a new key pair in the key's slot: GENERATE ASYMMETRIC KEY PAIR 00 46 80 ref (Le the
 * largest response), answer 7F49 {81 n, 82 e} or {06 curve, 86 point}, which is checked. The old
 * key is gone. On success *publicKey receives a new PublicKey handle owned by `key`; its export
 * reads the new key from the device (00 46 81 ref). A public-key file of the slot (7816-15) is
 * not rewritten by the device: use the returned handle. Exceptions: SecurityStatusNotSatisfied,
 * ConditionsOfUseNotSatisfied (6985: the slot does not allow generation), ObjectNotFound (6A88),
 * FunctionNotImplemented (no key reference), NotEnoughMemory. */
isoIec23465_Status isoIec23465_AsymmetricKey_generateKeyPair(isoIec23465_AsymmetricKey *key,
                                                             isoIec23465_PublicKey **publicKey);

/* The public key of a key pair: a new PublicKey handle owned by `key`, on the public key object
 * paired with the private key (its 7816-15 public-key file), or, when there is none, on the
 * slot itself (export then reads the key with 00 46 81 ref). No APDU.
 * Exceptions: NotEnoughMemory. */
isoIec23465_Status isoIec23465_AsymmetricKey_getPublicKey(isoIec23465_AsymmetricKey *key,
                                                          isoIec23465_PublicKey **publicKey);

/* The public key as a DER SubjectPublicKeyInfo (RSA: rsaEncryption; EC: id-ecPublicKey with the
 * named curve P-256/P-384/P-521, uncompressed point). APDUs: SELECT of the public-key file and
 * READ BINARY (content RSAPublicKey or SubjectPublicKeyInfo), or, for a key without a file,
 * GENERATE ASYMMETRIC KEY PAIR 00 46 81 ref (reads the existing public key). buf == NULL is a
 * size query (sends the same APDUs). Exceptions: BufferTooSmall, ObjectNotFound,
 * SecurityStatusNotSatisfied, ReferenceDataNotUsable (6984: empty slot), FunctionNotImplemented
 * (neither file nor key reference). */
isoIec23465_Status isoIec23465_PublicKey_export(isoIec23465_PublicKey *key, uint8_t *buf,
                                                size_t *len);

/* Verifies a signature on the device: MSE SET DST 00 22 81 B6 {80 alg, 83 ref}, then PSO VERIFY
 * DIGITAL SIGNATURE 00 2A 00 A8 {90 hash, 9E signature}. Mechanisms RsaPkcs1V15 (HashNone: the
 * value is a DigestInfo), RsaPss (hash required), Ecdsa (signature plain r || s). On success
 * *valid is 1 for a good signature, 0 for a bad one (SW 6300, or a signature of the wrong length,
 * then without APDU). Exceptions: SecurityStatusNotSatisfied, FunctionNotImplemented (the device
 * does not verify with this key: no key reference, usage or algorithm). */
ISOIEC23465_WARN_UNUSED isoIec23465_Status
isoIec23465_PublicKey_verify(isoIec23465_PublicKey *key, isoIec23465_Mechanism mechanism,
                             isoIec23465_Hash hash, const uint8_t *hashValue, size_t hashLen,
                             const uint8_t *signature, size_t signatureLen, int *valid);

/* Encrypts on the device with the public key: MSE SET CT 00 22 81 B8 {80 alg, 83 ref}, then PSO
 * ENCIPHER 00 2A 86 80 (answer padding indicator || cryptogram; the cryptogram is returned).
 * Mechanisms RsaPkcs1V15 (hash HashNone) and RsaOaep (hash = the OAEP and MGF1 hash, no label).
 * The input must fit the padding (IllegalArgument). out == NULL: *outLen = the modulus length.
 * Exceptions: BufferTooSmall, SecurityStatusNotSatisfied, FunctionNotImplemented. */
isoIec23465_Status isoIec23465_PublicKey_encrypt(isoIec23465_PublicKey *key,
                                                 isoIec23465_Mechanism mechanism,
                                                 isoIec23465_Hash hash, const uint8_t *in,
                                                 size_t inLen, uint8_t *out, size_t *outLen);

/* Signs a hash value: MSE SET DST 00 22 41 B6 {80 alg, 84 ref}, then PSO COMPUTE DIGITAL
 * SIGNATURE 00 2A 9E 9A (Le the largest response). Mechanisms: RsaPkcs1V15 (with a hash, or
 * HashNone with a DigestInfo of at most k - 11 bytes; when the device lists only its DigestInfo
 * algorithm the proxy adds the DigestInfo), RsaPss (hash required; salt = hash length), Ecdsa
 * (any hash of at most 64 bytes; the answer, plain or DER, is returned plain r || s).
 * Exceptions: BufferTooSmall, SecurityStatusNotSatisfied, ConditionsOfUseNotSatisfied,
 * FunctionNotImplemented. */
isoIec23465_Status isoIec23465_PrivateKey_sign(isoIec23465_PrivateKey *key,
                                               isoIec23465_Mechanism mechanism,
                                               isoIec23465_Hash hash, const uint8_t *hashValue,
                                               size_t hashLen, uint8_t *signature,
                                               size_t *signatureLen);

/* Decrypts an RSA cryptogram of exactly the modulus length: MSE SET CT 00 22 41 B8 {80 alg,
 * 84 ref}, then PSO DECIPHER 00 2A 80 86 with data 00 (padding indicator) || cryptogram (257
 * bytes for RSA-2048: extended length, or command chaining where the engine offers it).
 * Mechanisms and hash as PublicKey_encrypt. out == NULL: *outLen = the longest possible
 * plaintext (no APDU); a buffer too small for the actual plaintext gives BufferTooSmall after the
 * exchange. The plaintext's copies in the proxy are wiped. Exceptions: BufferTooSmall,
 * SecurityStatusNotSatisfied, SecurityDeviceError (6A80: not a cryptogram of this key),
 * FunctionNotImplemented. */
isoIec23465_Status isoIec23465_PrivateKey_decrypt(isoIec23465_PrivateKey *key,
                                                  isoIec23465_Mechanism mechanism,
                                                  isoIec23465_Hash hash, const uint8_t *in,
                                                  size_t inLen, uint8_t *out, size_t *outLen);

/* ECDH: the shared secret (x coordinate, field size) with the peer's uncompressed point 04 || x
 * || y of the key's curve. MSE SET KAT 00 22 41 A6 {80 alg, 84 ref}, then GENERAL AUTHENTICATE
 * 00 86 00 00 with 7C {85 point, 82 00}, answer 7C {82 secret}. The secret's copies in the proxy
 * are wiped. Exceptions: BufferTooSmall, SecurityStatusNotSatisfied, SecurityDeviceError (6A80:
 * the point is not on the curve), FunctionNotImplemented. */
isoIec23465_Status isoIec23465_PrivateKey_deriveSharedSecret(isoIec23465_PrivateKey *key,
                                                             const uint8_t *peerPoint,
                                                             size_t peerLen, uint8_t *out,
                                                             size_t *outLen);

/* INTERNAL AUTHENTICATE 00 88 alg ref over the challenge: RSA PKCS#1 v1.5 over the challenge as
 * given (at most k - 11 bytes), EC ECDSA over it as a hash (at most 64 bytes; plain r || s). The
 * algorithm is the key's HashNone PKCS#1 v1.5 / ECDSA reference. Exceptions: BufferTooSmall,
 * SecurityStatusNotSatisfied, FunctionNotImplemented (no such algorithm, usage without
 * authentication). */
isoIec23465_Status isoIec23465_PrivateKey_internalAuthenticate(isoIec23465_PrivateKey *key,
                                                               const uint8_t *challenge,
                                                               size_t challengeLen, uint8_t *out,
                                                               size_t *outLen);

/* AES encryption / decryption on the device, whole 16-byte blocks, no padding; the output has
 * the input's length. AesCbc needs a 16-byte IV, AesEcb none (iv NULL, ivLen 0). Encrypt: MSE SET
 * CT 00 22 81 B8 {80 alg, 83 ref, [87 IV]}, PSO ENCIPHER 00 2A 86 80 (answer 00 || cryptogram);
 * decrypt: MSE SET CT 00 22 41 B8 {...}, PSO DECIPHER 00 2A 80 86 with 00 || cryptogram. The input
 * is at most one response long (65520 bytes with extended length, 240 without). Decrypted data
 * is wiped from the proxy's buffers. Exceptions: BufferTooSmall, SecurityStatusNotSatisfied,
 * FunctionNotImplemented. */
isoIec23465_Status isoIec23465_SecretKey_encrypt(isoIec23465_SecretKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                                 size_t ivLen, const uint8_t *in, size_t inLen,
                                                 uint8_t *out, size_t *outLen);
isoIec23465_Status isoIec23465_SecretKey_decrypt(isoIec23465_SecretKey *key,
                                                 isoIec23465_Mechanism mechanism, const uint8_t *iv,
                                                 size_t ivLen, const uint8_t *in, size_t inLen,
                                                 uint8_t *out, size_t *outLen);

/* AES-CMAC (16 bytes) of a non-empty message: MSE SET CCT 00 22 41 B4 {80 alg, 83 ref}, then
 * PSO COMPUTE CRYPTOGRAPHIC CHECKSUM 00 2A 8E 80. Exceptions: BufferTooSmall,
 * SecurityStatusNotSatisfied, FunctionNotImplemented. */
isoIec23465_Status isoIec23465_SecretKey_computeMac(isoIec23465_SecretKey *key,
                                                    isoIec23465_Mechanism mechanism,
                                                    const uint8_t *data, size_t len, uint8_t *mac,
                                                    size_t *macLen);

/* Checks an AES-CMAC of 4..16 bytes (a truncated MAC is compared with the leading bytes) on the
 * device: MSE SET CCT 00 22 81 B4 {80 alg, 83 ref}, then PSO VERIFY CRYPTOGRAPHIC CHECKSUM
 * 00 2A 00 A2 {80 message, 8E MAC}. On success *valid is 1 when it matches, 0 when not (SW
 * 6300). Exceptions: SecurityStatusNotSatisfied, FunctionNotImplemented. */
ISOIEC23465_WARN_UNUSED isoIec23465_Status isoIec23465_SecretKey_verifyMac(
    isoIec23465_SecretKey *key, isoIec23465_Mechanism mechanism, const uint8_t *data, size_t len,
    const uint8_t *mac, size_t macLen, int *valid);

/* Generating a secret key on the device: ISO/IEC 7816-8 offers no command for it (GENERATE makes
 * asymmetric pairs), so this answers FunctionNotImplemented after checking the handle; no APDU. */
isoIec23465_Status isoIec23465_SecretKey_generate(isoIec23465_SecretKey *key);

#ifdef __cplusplus
}
#endif

#endif
