/*
 * mcuforge: a constant operand copied into the arena (constant.h). Portable C99.
 */
#include <string.h>

#include "constant.h"

mf_status mf_constant_s8(const mf_constant_params *p, int8_t *output)
{
    memcpy(output, p->values, (size_t)p->size);
    return MF_OK;
}
