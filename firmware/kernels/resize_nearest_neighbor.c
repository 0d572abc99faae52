/*
 * mcuforge: RESIZE_NEAREST_NEIGHBOR, int8: mf_pixel_gather_s8 (pixel_gather.c) does the work.
 * Portable C99.
 */
#include "resize_nearest_neighbor.h"

mf_status mf_resize_nearest_neighbor_s8(const mf_resize_nearest_neighbor_params *p,
                                        const int8_t *input, int8_t *output)
{
    return mf_pixel_gather_s8(&p->gather, input, output);
}
