/*
 * mcuforge: DEPTH_TO_SPACE, int8: mf_strided_copy_s8 (strided_copy.c) does the work.
 * Portable C99.
 */
#include "depth_to_space.h"

mf_status mf_depth_to_space_s8(const mf_depth_to_space_params *p, const int8_t *input,
                               int8_t *output)
{
    return mf_strided_copy_s8(&p->copy, input, output);
}
