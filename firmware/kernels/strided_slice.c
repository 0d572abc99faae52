/*
 * mcuforge: STRIDED_SLICE, int8: mf_strided_copy_s8 (strided_copy.c) does the work.
 * Portable C99.
 */
#include "strided_slice.h"

mf_status mf_strided_slice_s8(const mf_strided_slice_params *p, const int8_t *input,
                              int8_t *output)
{
    return mf_strided_copy_s8(&p->copy, input, output);
}
