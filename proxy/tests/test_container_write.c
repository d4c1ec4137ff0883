/* Placeholder: the tests of px_container_write land with the module. */
#include <criterion/criterion.h>
