/* Run under `sdemu run`: prints each card's ATR and reads EF 0101 of the reference card in every
 * reader of SDEMU_READERS through pcscd (SCardConnect, SELECT by FID, READ BINARY) and checks byte
 * i = i. Exit 0 when every card answers as the reference card; 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

static int check_reader(SCARDCONTEXT ctx, const char *reader)
{
    SCARDHANDLE card;
    DWORD proto;
    LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           &card, &proto);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "%s: SCardConnect: %s\n", reader, pcsc_stringify_error(rv));
        return 1;
    }
    /* The ATR tells the cards apart, so a test sees each reader reach its own card. */
    BYTE atr[MAX_ATR_SIZE];
    DWORD atr_len = sizeof atr, state, name_len = 0;
    if (SCardStatus(card, NULL, &name_len, &state, &proto, atr, &atr_len) == SCARD_S_SUCCESS) {
        printf("%s: ATR", reader);
        for (DWORD i = 0; i < atr_len; i++)
            printf(" %02X", atr[i]);
        printf("\n");
    }
    const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    const BYTE select[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01};
    const BYTE read[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
    BYTE resp[300];
    DWORD len = sizeof resp;
    int bad = 1;
    rv = SCardTransmit(card, pci, select, sizeof select, NULL, resp, &len);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "%s: SELECT: %s\n", reader, pcsc_stringify_error(rv));
    } else if (len != 2 || resp[0] != 0x90 || resp[1] != 0x00) {
        fprintf(stderr, "%s: SELECT 0101 answered %lu bytes, SW %02X%02X\n", reader,
                (unsigned long)len, len >= 2 ? resp[len - 2] : 0, len >= 2 ? resp[len - 1] : 0);
    } else {
        len = sizeof resp;
        rv = SCardTransmit(card, pci, read, sizeof read, NULL, resp, &len);
        if (rv != SCARD_S_SUCCESS) {
            fprintf(stderr, "%s: READ BINARY: %s\n", reader, pcsc_stringify_error(rv));
        } else if (len != 258 || resp[256] != 0x90 || resp[257] != 0x00) {
            fprintf(stderr, "%s: READ BINARY answered %lu bytes\n", reader, (unsigned long)len);
        } else {
            bad = 0;
            for (int i = 0; i < 256; i++) {
                if (resp[i] != i) {
                    fprintf(stderr, "%s: byte %d is %02X, expected %02X\n", reader, i, resp[i], i);
                    bad = 1;
                    break;
                }
            }
        }
    }
    SCardDisconnect(card, SCARD_LEAVE_CARD);
    if (!bad)
        printf("%s: EF 0101 ok (256 bytes)\n", reader);
    return bad;
}

int main(void)
{
    const char *readers = getenv("SDEMU_READERS");
    if (!readers || !*readers || !getenv("PCSCLITE_CSOCK_NAME")) {
        fprintf(stderr, "sdemu-pcsc-check: run me under `sdemu run --`\n");
        return 2;
    }
    SCARDCONTEXT ctx;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "SCardEstablishContext: %s\n", pcsc_stringify_error(rv));
        return 1;
    }
    char *list = strdup(readers);
    int bad = 0, count = 0;
    char *save = NULL;
    for (char *r = strtok_r(list, "\n", &save); r; r = strtok_r(NULL, "\n", &save)) {
        bad |= check_reader(ctx, r);
        count++;
    }
    free(list);
    SCardReleaseContext(ctx);
    printf("%d reader(s) checked\n", count);
    return bad || count == 0;
}
