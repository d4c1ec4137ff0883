/* Each public header compiles alone as C99 with -pedantic-errors (built, and run as a test). */
#include "emu_profile.h"
#include "emu_card.h"

int main(void)
{
    emu_error err = {{0}, 0, 0, {0}};
    return err.line;
}
