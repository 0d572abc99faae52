/*
 * mcuforge: SPACE_TO_BATCH_ND, int8: mf_strided_copy_s8 (strided_copy.c) does the work.
 * Portable C99.
 */
#include "space_to_batch_nd.h"

mf_status mf_space_to_batch_nd_s8(const mf_space_to_batch_nd_params *p, const int8_t *input,
                                  int8_t *output)
{
    return mf_strided_copy_s8(&p->copy, input, output);
}
