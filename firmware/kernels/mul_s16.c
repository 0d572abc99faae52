/*
 * mcuforge: MUL, int16, with numpy-style broadcasting. Portable C99; see mul_s16.h and
 * mf_broadcast.h. The same arithmetic as mf_mul_s8 (TFLite-Micro's MulElementwise is one
 * template for both types): the exact int32 product, requantized once.
 */
#include "mul_s16.h"
#include "mf_fixedpoint.h"

mf_status mf_mul_s16(const mf_mul_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output)
{
    mf_broadcast_walk w;
    int32_t row, i;

    if (!mf_broadcast_begin(&p->broadcast, &w) || p->output_shift < -31 || p->output_shift > 30) {
        return MF_ERROR_ARGUMENT;
    }
    for (row = 0; row < w.rows; ++row) {
        const int16_t *a = input1 + w.offset1;
        const int16_t *b = input2 + w.offset2;
        for (i = 0; i < w.inner; ++i) {
            /* |x| <= 2^15 (zero points 0): the product is at most 2^30; the generator rejected
             * shifts that would move it out of int32 */
            const int32_t product = (int32_t)a[i * w.stride1] * (int32_t)b[i * w.stride2];
            const int32_t scaled = mf_multiply_by_quantized_multiplier(
                product, p->output_multiplier, p->output_shift);
            output[i] = (int16_t)mf_clamp(scaled + p->output_offset, p->act_min, p->act_max);
        }
        output += w.inner;
        mf_broadcast_next_row(&p->broadcast, &w);
    }
    return MF_OK;
}
