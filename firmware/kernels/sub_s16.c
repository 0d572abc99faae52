/*
 * mcuforge: SUB, int16, with TFLite's two-input rescaling (inputs scaled by 2^15) and
 * numpy-style broadcasting. Portable C99; see sub_s16.h and mf_broadcast.h.
 */
#include "sub_s16.h"
#include "mf_fixedpoint.h"

static int16_t mf_sub_one_s16(const mf_sub_params *p, int32_t x1, int32_t x2)
{
    /* |x + offset| <= 2^15 (offsets are 0): the shifted values stay within 2^30 */
    const int32_t shifted1 = (x1 + p->input1_offset) * ((int32_t)1 << p->left_shift);
    const int32_t shifted2 = (x2 + p->input2_offset) * ((int32_t)1 << p->left_shift);
    const int32_t scaled1 =
        mf_multiply_by_quantized_multiplier(shifted1, p->input1_multiplier, p->input1_shift);
    const int32_t scaled2 =
        mf_multiply_by_quantized_multiplier(shifted2, p->input2_multiplier, p->input2_shift);
    const int32_t difference = mf_multiply_by_quantized_multiplier(scaled1 - scaled2,
                                                                   p->output_multiplier,
                                                                   p->output_shift);
    return (int16_t)mf_clamp(difference + p->output_offset, p->act_min, p->act_max);
}

mf_status mf_sub_s16(const mf_sub_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output)
{
    mf_broadcast_walk w;
    int32_t row, i;

    if (!mf_broadcast_begin(&p->broadcast, &w) || p->left_shift < 0 || p->left_shift > 15 ||
        p->input1_shift > 0 || p->input2_shift > 0 || p->output_shift > 0 ||
        p->input1_shift < -31 || p->input2_shift < -31 || p->output_shift < -31) {
        return MF_ERROR_ARGUMENT;
    }
    for (row = 0; row < w.rows; ++row) {
        const int16_t *a = input1 + w.offset1;
        const int16_t *b = input2 + w.offset2;
        for (i = 0; i < w.inner; ++i) {
            output[i] = mf_sub_one_s16(p, a[i * w.stride1], b[i * w.stride2]);
        }
        output += w.inner;
        mf_broadcast_next_row(&p->broadcast, &w);
    }
    return MF_OK;
}
