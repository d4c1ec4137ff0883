/* Placeholder: the tests of px_p15 land with the module. */
#include <criterion/criterion.h>
