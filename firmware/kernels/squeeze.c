/*
 * mcuforge: SQUEEZE, int8: mf_copy_s8 (copy.c) does the work.
 * Portable C99.
 */
#include "squeeze.h"

mf_status mf_squeeze_s8(const mf_squeeze_params *p, const int8_t *input, int8_t *output)
{
    return mf_copy_s8(&p->copy, input, output);
}
