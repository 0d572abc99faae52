/*
 * mcuforge: the pixel gather shared by RESIZE_NEAREST_NEIGHBOR and BATCH_TO_SPACE_ND.
 * Portable C99; see pixel_gather.h for the parameter contract. One memcpy of `depth` values
 * per output pixel, in output order.
 */
#include <string.h>

#include "pixel_gather.h"

mf_status mf_pixel_gather_s8(const mf_pixel_gather_params *p, const int8_t *input,
                             int8_t *output)
{
    const int32_t depth = p->depth;
    int32_t b, y, x;

    if (p->batches < 1 || p->output_height < 1 || p->output_width < 1 || depth < 1 ||
        p->row_offsets == NULL || p->col_offsets == NULL) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *batch = input + b * p->input_batch_stride;
        for (y = 0; y < p->output_height; ++y) {
            const int8_t *row = batch + p->row_offsets[y];
            for (x = 0; x < p->output_width; ++x) {
                memcpy(output, row + p->col_offsets[x], (size_t)depth);
                output += depth;
            }
        }
    }
    return MF_OK;
}
