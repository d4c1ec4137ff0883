/* Placeholder: the tests of px_auth land with the module. */
#include <criterion/criterion.h>
