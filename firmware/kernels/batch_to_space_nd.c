/*
 * mcuforge: BATCH_TO_SPACE_ND, int8: mf_pixel_gather_s8 (pixel_gather.c) does the work.
 * Portable C99.
 */
#include "batch_to_space_nd.h"

mf_status mf_batch_to_space_nd_s8(const mf_batch_to_space_nd_params *p, const int8_t *input,
                                  int8_t *output)
{
    return mf_pixel_gather_s8(&p->gather, input, output);
}
