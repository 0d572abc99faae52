/*
 * mcuforge: RESIZE_BILINEAR, int8, TFLite-Micro's integer interpolation. Portable C99; see
 * resize_bilinear.h for the parameter contract. Each output value blends the two columns of
 * both rows first, then the two rows; the rounding happens once, at the end.
 */
#include "resize_bilinear.h"

#define MF_BILINEAR_ONE 1024            /* 1.0 in the weights' 10 fractional bits */
#define MF_BILINEAR_HALF (1L << 19)     /* 0.5 in the 20 fractional bits of acc */

mf_status mf_resize_bilinear_s8(const mf_resize_bilinear_params *p, const int8_t *input,
                                int8_t *output)
{
    const int32_t depth = p->depth;
    int32_t b, y, x, c;

    if (p->batches < 1 || p->output_height < 1 || p->output_width < 1 || depth < 1 ||
        p->rows == NULL || p->cols == NULL) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *batch = input + b * p->input_batch_stride;
        for (y = 0; y < p->output_height; ++y) {
            const int8_t *top = batch + p->rows[3 * y];
            const int8_t *bottom = batch + p->rows[3 * y + 1];
            const int32_t wy = p->rows[3 * y + 2];
            for (x = 0; x < p->output_width; ++x) {
                const int32_t left = p->cols[3 * x], right = p->cols[3 * x + 1];
                const int32_t wx = p->cols[3 * x + 2];
                for (c = 0; c < depth; ++c) {
                    const int32_t upper = top[left + c] * (MF_BILINEAR_ONE - wx) +
                                          top[right + c] * wx;
                    const int32_t lower = bottom[left + c] * (MF_BILINEAR_ONE - wx) +
                                          bottom[right + c] * wx;
                    const int32_t acc = upper * (MF_BILINEAR_ONE - wy) + lower * wy;
                    const int32_t rounding = acc > 0 ? (int32_t)MF_BILINEAR_HALF
                                                     : -(int32_t)MF_BILINEAR_HALF;
                    *output++ = (int8_t)((acc + rounding) / (int32_t)(2 * MF_BILINEAR_HALF));
                }
            }
        }
    }
    return MF_OK;
}
