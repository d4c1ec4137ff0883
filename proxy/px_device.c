/* Device functions: the device list, connect, disconnect, device attributes. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_bytes.h"
#include "px_apdu.h"
#include "px_async.h"
#include "px_atr.h"
#include "px_desc.h"
#include "px_efatr.h"
#include "px_error.h"
#include "px_handle.h"
#include "px_p15.h"
#include "px_transport.h"

#define PX_MAX_LIST_ENTRIES 64

/* Fills the capability fields of `info` from its ATR. */
static void px_info_from_atr(px_devinfo *info)
{
    px_atr_info a;
    info->extended_length = -1;
    info->chaining = 0;
    info->logical_channels = 1;
    if (!px_atr_parse(info->atr, info->atr_len, &a))
        return;
    info->extended_length = a.extended_length;
    if (a.chaining >= 0)
        info->chaining = a.chaining;
    if (a.logical_channels > 0)
        info->logical_channels = a.logical_channels;
    /* PC/SC part 3: contactless cards carry 80 4F ... in their historical bytes. */
    if (info->iface == isoIec23465_InterfaceContact && a.hist_len >= 2 && a.hist[0] == 0x80 &&
        a.hist[1] == 0x4F)
        info->iface = isoIec23465_InterfaceContactless;
}

static void px_info_pcsc(px_devinfo *info, const px_pcsc_reader *r)
{
    memset(info, 0, sizeof *info);
    snprintf(info->identifier, sizeof info->identifier, "pcsc:%s", r->name);
    snprintf(info->spec, sizeof info->spec, "pcsc:%s", r->name);
    snprintf(info->name, sizeof info->name, "%s", r->name);
    /* vpcd readers are virtual: the card behind them is an emulator or a relay. */
    bool virt =
        strstr(r->name, "Virtual PCD") || strstr(r->name, "vpcd") || strstr(r->name, "sdemu");
    info->type = virt ? isoIec23465_DeviceVirtual : isoIec23465_DeviceSmartCard;
    info->iface = virt ? isoIec23465_InterfaceVirtual : isoIec23465_InterfaceContact;
    info->presence = r->presence;
    memcpy(info->atr, r->atr, r->atr_len);
    info->atr_len = r->atr_len;
    px_info_from_atr(info);
}

/* A device named by a local file: "emu:<profile>" (an in-process card) or "replay:<trace>" (a
 * recorded card); `probe` reads its ATR. */
typedef struct px_file_scheme {
    const char *scheme; /* spec prefix without the colon */
    const char *what;   /* the file's kind, for messages */
    const char *name;   /* the device's name attribute */
    isoIec23465_Status (*probe)(const char *path, uint8_t *atr, size_t cap, size_t *len);
} px_file_scheme;

static const px_file_scheme px_file_schemes[] = {
    {"emu", "profile", "sdemu in-process", px_transport_emu_probe},
    {"replay", "trace", "trace replay", px_transport_replay_probe},
};

/* The file scheme `spec` starts with ("emu:<path>", path non-empty) and the path in *path;
 * NULL when it names none. */
static const px_file_scheme *px_file_scheme_of(const char *spec, const char **path)
{
    for (size_t i = 0; i < sizeof px_file_schemes / sizeof px_file_schemes[0]; i++) {
        const px_file_scheme *fs = &px_file_schemes[i];
        size_t k = strlen(fs->scheme);
        if (strncmp(spec, fs->scheme, k) == 0 && spec[k] == ':' && spec[k + 1]) {
            *path = spec + k + 1;
            return fs;
        }
    }
    return NULL;
}

static isoIec23465_Status px_info_file(px_devinfo *info, const px_file_scheme *fs, const char *path)
{
    memset(info, 0, sizeof *info);
    char abs[PATH_MAX];
    if (!realpath(path, abs))
        return px_error_set(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginLocal,
                            "%s: %s: no such %s", fs->scheme, path, fs->what);
    int n = snprintf(info->identifier, sizeof info->identifier, "%s:%s", fs->scheme, abs);
    if (n < 0 || (size_t)n >= sizeof info->identifier || (size_t)n >= sizeof info->spec)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s: %s path too long", fs->scheme, fs->what);
    memcpy(info->spec, info->identifier, (size_t)n + 1);
    isoIec23465_Status st = fs->probe(abs, info->atr, sizeof info->atr, &info->atr_len);
    if (st != isoIec23465_Success)
        return st;
    snprintf(info->name, sizeof info->name, "%s", fs->name);
    info->type = isoIec23465_DeviceVirtual;
    info->iface = isoIec23465_InterfaceVirtual;
    info->presence = isoIec23465_PresencePresent;
    px_info_from_atr(info);
    return isoIec23465_Success;
}

static isoIec23465_Status px_list_add(isoIec23465_Handle *list, const px_devinfo *info)
{
    if (list->n_entries == PX_MAX_LIST_ENTRIES)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "more than %d devices", PX_MAX_LIST_ENTRIES);
    isoIec23465_Handle *e = px_handle_new(isoIec23465_TypeSecurityDeviceEntry, list, NULL);
    if (!e)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    e->info = *info;
    list->entries[list->n_entries++] = e;
    return isoIec23465_Success;
}

static isoIec23465_Status px_list_pcsc(isoIec23465_Handle *list, const char *only)
{
    px_pcsc_reader *r = NULL;
    size_t n = 0;
    isoIec23465_Status st = px_transport_pcsc_list(only, &r, &n);
    for (size_t i = 0; st == isoIec23465_Success && i < n; i++) {
        px_devinfo info;
        px_info_pcsc(&info, &r[i]);
        st = px_list_add(list, &info);
    }
    free(r);
    return st;
}

static isoIec23465_Status px_list_spec(isoIec23465_Handle *list, const char *tok, size_t len)
{
    char item[4096];
    if (len >= sizeof item)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "device spec too long");
    memcpy(item, tok, len);
    item[len] = '\0';
    if (strcmp(item, "pcsc") == 0)
        return px_list_pcsc(list, NULL);
    if (strncmp(item, "pcsc:", 5) == 0 && item[5])
        return px_list_pcsc(list, item + 5);
    const char *path = NULL;
    const px_file_scheme *fs = px_file_scheme_of(item, &path);
    if (fs) {
        px_devinfo info;
        isoIec23465_Status st = px_info_file(&info, fs, path);
        return st == isoIec23465_Success ? px_list_add(list, &info) : st;
    }
    return px_error_set(
        isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
        "device spec '%s': expected pcsc, pcsc:<reader>, emu:<profile> or replay:<trace>", item);
}

isoIec23465_Status isoIec23465_getSecurityDeviceList(const char *spec,
                                                     isoIec23465_SecurityDeviceList **list)
{
    px_error_clear();
    if (!list)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "NULL list pointer");
    if (!spec || !*spec)
        spec = "pcsc";
    isoIec23465_Handle *l = px_handle_new(isoIec23465_TypeSecurityDeviceList, NULL, NULL);
    if (l)
        l->entries = calloc(PX_MAX_LIST_ENTRIES, sizeof(isoIec23465_Handle *)); /* entry handles */
    if (!l || !l->entries) {
        px_handle_free(l);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    isoIec23465_Status st = isoIec23465_Success;
    for (const char *p = spec; st == isoIec23465_Success;) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        if (n)
            st = px_list_spec(l, p, n);
        if (!semi)
            break;
        p = semi + 1;
    }
    if (st != isoIec23465_Success) {
        px_handle_free(l);
        return st;
    }
    *list = l;
    return isoIec23465_Success;
}

isoIec23465_Status
isoIec23465_SecurityDeviceList_getCount(const isoIec23465_SecurityDeviceList *list, size_t *count)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(list, isoIec23465_TypeSecurityDeviceList, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!count)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL count");
    *count = list->n_entries;
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_SecurityDeviceList_getEntry(isoIec23465_SecurityDeviceList *list,
                                                           size_t index,
                                                           isoIec23465_SecurityDeviceEntry **entry)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(list, isoIec23465_TypeSecurityDeviceList, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!entry)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL entry");
    if (index >= list->n_entries)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "index %zu out of range (%zu entries)", index, list->n_entries);
    *entry = list->entries[index];
    return isoIec23465_Success;
}

void isoIec23465_SecurityDeviceList_release(isoIec23465_SecurityDeviceList *list)
{
    px_conn *c;
    isoIec23465_ErrorDetails saved;
    isoIec23465_getLastError(&saved);
    if (list &&
        px_handle_enter(list, isoIec23465_TypeSecurityDeviceList, &c) == isoIec23465_Success)
        px_handle_free(list);
    px_error_restore(&saved);
}

static const char *px_type_text(isoIec23465_DeviceType t)
{
    switch (t) {
    case isoIec23465_DeviceSmartCard:
        return "smart card";
    case isoIec23465_DeviceEmbeddedSecureElement:
        return "eSE";
    case isoIec23465_DeviceUicc:
        return "UICC";
    case isoIec23465_DeviceSecureSd:
        return "secure SD";
    case isoIec23465_DeviceUsbToken:
        return "USB token";
    case isoIec23465_DeviceVirtual:
        return "virtual";
    }
    return "unknown";
}

static const char *px_iface_text(isoIec23465_Interface i)
{
    switch (i) {
    case isoIec23465_InterfaceContact:
        return "contact";
    case isoIec23465_InterfaceContactless:
        return "contactless";
    case isoIec23465_InterfaceEmbedded:
        return "embedded";
    case isoIec23465_InterfaceVirtual:
        return "virtual";
    }
    return "unknown";
}

static const char *px_presence_text(isoIec23465_Presence p)
{
    switch (p) {
    case isoIec23465_PresenceAbsent:
        return "absent";
    case isoIec23465_PresencePresent:
        return "present";
    case isoIec23465_PresenceInUse:
        return "in use";
    case isoIec23465_PresenceExclusive:
        return "exclusive";
    }
    return "unknown";
}

/* One attribute as text. `d` is the matched description (NULL: none or not connected), `ext`
 * whether extended length is used (-1 unknown) and `max_le` the response size in use (0: not
 * connected, derived from `ext` then). */
static isoIec23465_Status px_attr_text(const px_devinfo *info, const px_desc *d, int ext,
                                       size_t max_le, isoIec23465_DeviceAttribute attr, char *buf,
                                       size_t *len)
{
    char tmp[400];
    const char *text = NULL;
    switch (attr) {
    case isoIec23465_AttrIdentifier:
        text = info->identifier;
        break;
    case isoIec23465_AttrName:
        text = info->name;
        break;
    case isoIec23465_AttrDeviceType:
        text =
            px_type_text(d && d->device_type ? (isoIec23465_DeviceType)d->device_type : info->type);
        break;
    case isoIec23465_AttrInterface:
        text = px_iface_text(info->iface);
        break;
    case isoIec23465_AttrPresence:
        text = px_presence_text(info->presence);
        break;
    case isoIec23465_AttrAtr:
        codec_hex_encode(info->atr, info->atr_len, tmp, sizeof tmp);
        text = tmp;
        break;
    case isoIec23465_AttrManufacturer:
        text = d ? d->manufacturer : NULL;
        break;
    case isoIec23465_AttrProduct:
        text = d ? d->product : NULL;
        break;
    case isoIec23465_AttrApiLevels:
        text = d ? d->api_levels : NULL;
        break;
    case isoIec23465_AttrExtendedLength:
        text = ext < 0 ? NULL : ext ? "yes" : "no";
        break;
    case isoIec23465_AttrChaining:
        text = info->chaining ? "yes" : "no";
        break;
    case isoIec23465_AttrLogicalChannels:
        snprintf(tmp, sizeof tmp, "%d", info->logical_channels);
        text = tmp;
        break;
    case isoIec23465_AttrMaxCommandSize:
        if (ext >= 0) {
            size_t most = !ext                ? 4 + 1 + 255 + 1
                          : info->max_command ? info->max_command
                                              : 4 + 3 + 65535 + 2;
            snprintf(tmp, sizeof tmp, "%zu", most);
            text = tmp;
        }
        break;
    case isoIec23465_AttrMaxResponseSize:
        if (max_le) {
            snprintf(tmp, sizeof tmp, "%zu", max_le);
            text = tmp;
        } else if (ext >= 0) {
            snprintf(tmp, sizeof tmp, "%d", ext ? 65536 : 256);
            text = tmp;
        }
        break;
    case isoIec23465_AttrApiVersion:
        text = ISOIEC23465_API_VERSION;
        break;
    case isoIec23465_AttrSerialNumber:
        text = d ? d->serial : NULL; /* TokenInfo serialNumber (7816-15 discovery) */
        break;
    case isoIec23465_AttrOsVersion:
        text = d ? d->os_version : NULL;
        break;
    default:
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "unknown attribute %d", (int)attr);
    }
    if (!text)
        return px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                            "attribute %d not known for this device", (int)attr);
    return px_out_text(text, buf, len);
}

/* Validates an entry handle and a non-NULL output pointer (`what`, for the message) for the
 * getters below. */
static isoIec23465_Status px_entry_out(const isoIec23465_SecurityDeviceEntry *entry,
                                       const void *out, const char *what)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(entry, isoIec23465_TypeSecurityDeviceEntry, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!out)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL %s", what);
    return isoIec23465_Success;
}

isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getAttribute(const isoIec23465_SecurityDeviceEntry *entry,
                                             isoIec23465_DeviceAttribute attribute, char *buf,
                                             size_t *len)
{
    isoIec23465_Status st = px_entry_out(entry, len, "len");
    if (st != isoIec23465_Success)
        return st;
    return px_attr_text(&entry->info, NULL, entry->info.extended_length, 0, attribute, buf, len);
}

isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getAtr(const isoIec23465_SecurityDeviceEntry *entry, uint8_t *buf,
                                       size_t *len)
{
    isoIec23465_Status st = px_entry_out(entry, len, "len");
    if (st != isoIec23465_Success)
        return st;
    return px_out_bytes(entry->info.atr, entry->info.atr_len, buf, len);
}

isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getDeviceType(const isoIec23465_SecurityDeviceEntry *entry,
                                              isoIec23465_DeviceType *out)
{
    isoIec23465_Status st = px_entry_out(entry, out, "output");
    if (st == isoIec23465_Success)
        *out = entry->info.type;
    return st;
}

isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getInterface(const isoIec23465_SecurityDeviceEntry *entry,
                                             isoIec23465_Interface *out)
{
    isoIec23465_Status st = px_entry_out(entry, out, "output");
    if (st == isoIec23465_Success)
        *out = entry->info.iface;
    return st;
}

isoIec23465_Status
isoIec23465_SecurityDeviceEntry_getPresence(const isoIec23465_SecurityDeviceEntry *entry,
                                            isoIec23465_Presence *out)
{
    isoIec23465_Status st = px_entry_out(entry, out, "output");
    if (st == isoIec23465_Success)
        *out = entry->info.presence;
    return st;
}

/* EF.ATR/INFO, when the historical bytes announce it: its card capabilities stand where the
 * historical bytes said nothing, and its extended length information bounds the APDUs
 * (c->info.max_command, max_response). A card that does not have the file, or whose file is
 * malformed, keeps what its ATR says. Errors: those of px_efatr_read. */
static isoIec23465_Status px_read_efatr(px_conn *c)
{
    px_atr_info a;
    if (!px_atr_parse(c->info.atr, c->info.atr_len, &a) || !a.efatr)
        return isoIec23465_Success;
    px_efatr_info e;
    bool found = false;
    isoIec23465_Status st = px_efatr_read(c, &e, &found);
    if (st != isoIec23465_Success || !found)
        return st;
    c->info.efatr = true;
    if (a.extended_length < 0 && e.extended_length >= 0)
        c->info.extended_length = e.extended_length;
    if (a.chaining < 0 && e.chaining >= 0)
        c->info.chaining = e.chaining;
    if (a.logical_channels < 0 && e.logical_channels > 0)
        c->info.logical_channels = e.logical_channels;
    c->info.max_command = e.max_command;
    c->info.max_response = e.max_response;
    return isoIec23465_Success;
}

/* Picks the first description (by file name) whose criteria hold into c->desc (stays NULL
 * when none does); may send SELECT by AID. Fails when the descriptions cannot be loaded for lack
 * of memory (NotEnoughMemory) or a SELECT gets no status word (the transport's error): a device
 * connected without its description would answer ObjectNotFound for every object. */
static isoIec23465_Status px_match_desc(px_conn *c)
{
    char err[512] = "";
    px_desc **all = NULL;
    size_t n = 0;
    if (!px_desc_load_dir(px_desc_dir(), &all, &n, err, sizeof err))
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "%s", err);
    isoIec23465_Status st = isoIec23465_Success;
    bool locked = false;
    for (size_t i = 0; i < n && !c->desc && st == isoIec23465_Success; i++) {
        px_desc *d = all[i];
        if (!px_desc_match_atr(d, c->info.atr, c->info.atr_len))
            continue;
        bool found = true;
        if (d->match_aid_len) {
            /* One transaction around all probes, opened at the first. */
            if (!locked && (st = px_apdu_begin(c)) == isoIec23465_Success)
                locked = true;
            if (st == isoIec23465_Success)
                st = px_apdu_probe_aid(c, d->match_aid, d->match_aid_len, &found);
        }
        if (st == isoIec23465_Success && found) {
            c->desc = d;
            all[i] = NULL;
        }
    }
    if (locked)
        px_apdu_end(c);
    px_desc_free_all(all, n);
    if (st == isoIec23465_Success)
        px_error_clear(); /* a failed SELECT is an answer, not the caller's error */
    return st;
}

/* Connects by an already-described device. */
static isoIec23465_Status px_connect_info(const px_devinfo *info,
                                          isoIec23465_SecurityDevice **device)
{
    px_transport tr;
    isoIec23465_Status st;
    if (strncmp(info->spec, "pcsc:", 5) == 0)
        st = px_transport_pcsc_open(info->spec + 5, &tr);
    else if (strncmp(info->spec, "emu:", 4) == 0)
        st = px_transport_emu_open(info->spec + 4, &tr);
    else if (strncmp(info->spec, "replay:", 7) == 0)
        st = px_transport_replay_open(info->spec + 7, &tr);
    else
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "unknown device spec '%s'", info->spec);
    if (st != isoIec23465_Success)
        return st;
    st = px_transport_record_from_env(&tr); /* SDPROXY_TRACE=FILE records the session */
    if (st != isoIec23465_Success) {
        tr.ops->close(tr.ctx);
        return st;
    }
    return px_connect_transport(&tr, info, device);
}

isoIec23465_Status px_connect_transport(const px_transport *tr, const px_devinfo *info,
                                        isoIec23465_SecurityDevice **device)
{
    px_conn *c = px_conn_new(tr);
    if (!c)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    c->info = *info;
    isoIec23465_Status st =
        c->tr.ops->atr(c->tr.ctx, c->info.atr, sizeof c->info.atr, &c->info.atr_len);
    if (st != isoIec23465_Success) {
        px_conn_unref(c);
        return st;
    }
    if (c->info.presence == isoIec23465_PresenceAbsent)
        c->info.presence = isoIec23465_PresencePresent;
    px_info_from_atr(&c->info);
    pthread_mutex_lock(&c->lock);
    st = px_read_efatr(c);
    if (st == isoIec23465_Success)
        st = px_match_desc(c);
    if (st != isoIec23465_Success) {
        pthread_mutex_unlock(&c->lock);
        px_conn_unref(c); /* frees a matched description and closes the transport */
        return st;
    }
    int ext = c->desc && c->desc->extended_length >= 0 ? c->desc->extended_length
                                                       : c->info.extended_length == 1;
    size_t limit = c->desc && c->desc->max_response ? c->desc->max_response : 0;
    c->ext = ext != 0;
    c->max_le = c->ext ? 65533 : 256; /* 65533: what one vpcd/pcscd frame carries */
    if (limit && limit < c->max_le)
        c->max_le = limit;
    /* EF.ATR: Ne such that the response APDU, SW1 SW2 included, stays within the limit. */
    if (c->info.max_response && c->info.max_response - 2 < c->max_le)
        c->max_le = c->info.max_response - 2;
    /* 7816-15 discovery merges what the card says about itself into the table. */
    st = px_p15_discover(c);
    pthread_mutex_unlock(&c->lock);
    if (st != isoIec23465_Success) {
        px_conn_unref(c);
        return st;
    }
    isoIec23465_Handle *dev = px_handle_new(isoIec23465_TypeSecurityDevice, NULL, c);
    px_conn_unref(c); /* the handle holds it now */
    if (!dev)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    dev->info = c->info;
    *device = dev;
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_connectSecurityDevice(const isoIec23465_SecurityDeviceEntry *entry,
                                                     isoIec23465_SecurityDevice **device)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(entry, isoIec23465_TypeSecurityDeviceEntry, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!device)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "NULL device pointer");
    return px_connect_info(&entry->info, device);
}

isoIec23465_Status isoIec23465_connectSecurityDeviceBySpec(const char *spec,
                                                           isoIec23465_SecurityDevice **device)
{
    px_error_clear();
    if (!spec || !device)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "NULL spec or device pointer");
    px_devinfo info;
    memset(&info, 0, sizeof info);
    const char *path = NULL;
    const px_file_scheme *fs = px_file_scheme_of(spec, &path);
    if (fs) {
        isoIec23465_Status st = px_info_file(&info, fs, path);
        if (st != isoIec23465_Success)
            return st;
    } else if (strncmp(spec, "pcsc:", 5) == 0 && spec[5] && strlen(spec + 5) < sizeof info.name) {
        px_pcsc_reader r;
        memset(&r, 0, sizeof r);
        snprintf(r.name, sizeof r.name, "%s", spec + 5);
        r.presence = isoIec23465_PresenceAbsent; /* set on connect */
        px_info_pcsc(&info, &r);
    } else {
        return px_error_set(
            isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
            "device spec '%s': expected pcsc:<reader>, emu:<profile> or replay:<trace>", spec);
    }
    return px_connect_info(&info, device);
}

isoIec23465_Status isoIec23465_disconnectSecurityDevice(isoIec23465_SecurityDevice *device)
{
    px_conn *c;
    px_error_clear();
    if (!device)
        return isoIec23465_Success;
    isoIec23465_Status st = px_handle_enter(device, isoIec23465_TypeSecurityDevice, &c);
    if (st != isoIec23465_Success)
        return st;
    px_apdu_release_channels(c, device); /* the open applications' logical channels */
    c->open = false;
    c->tr.ops->close(c->tr.ctx);
    c->tr.ops = NULL;
    px_handle_leave(c);
    px_async_device_closed(c); /* queued non-blocking calls answer IllegalState, worker joined */
    px_handle_free(device);
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_SecurityDevice_getRootApplication(isoIec23465_SecurityDevice *device,
                                                                 isoIec23465_RootApplication **root)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(device, isoIec23465_TypeSecurityDevice, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!root) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "NULL root pointer");
    }
    if (!device->root) {
        isoIec23465_Handle *r = px_handle_new(isoIec23465_TypeRootApplication, device, c);
        if (!r) {
            px_handle_leave(c);
            return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                                "out of memory");
        }
        snprintf(r->label, sizeof r->label, "%s", c->desc ? c->desc->name : "");
        r->id[0] = 0x3F;
        r->id[1] = 0x00;
        r->id_len = 2;
        device->root = r;
    }
    *root = device->root;
    px_handle_leave(c);
    return isoIec23465_Success;
}

isoIec23465_Status
isoIec23465_RootApplication_getSecurityDeviceAttribute(const isoIec23465_RootApplication *root,
                                                       isoIec23465_DeviceAttribute attribute,
                                                       char *buf, size_t *len)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(root, isoIec23465_TypeRootApplication, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!len)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL len");
    else
        st = px_attr_text(&c->info, c->desc, c->ext ? 1 : 0, c->max_le, attribute, buf, len);
    px_handle_leave(c);
    return st;
}
