// The public headers compile as C++ (they carry no C-only constructs).
#include "emu_card.h"
#include "emu_profile.h"

int main()
{
    emu_card *card = nullptr;
    emu_card_free(card);
    return 0;
}
