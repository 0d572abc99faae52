/*
 * mcuforge: TRANSPOSE, int8: the strided copy of strided_copy.c. Portable C99.
 */
#include "transpose.h"

mf_status mf_transpose_s8(const mf_transpose_params *p, const int8_t *input, int8_t *output)
{
    return mf_strided_copy_s8(&p->copy, input, output);
}
