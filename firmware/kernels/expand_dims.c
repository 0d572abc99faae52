/*
 * mcuforge: EXPAND_DIMS, int8: mf_copy_s8 (copy.c) does the work.
 * Portable C99.
 */
#include "expand_dims.h"

mf_status mf_expand_dims_s8(const mf_expand_dims_params *p, const int8_t *input, int8_t *output)
{
    return mf_copy_s8(&p->copy, input, output);
}
