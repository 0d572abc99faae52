/*
 * mcuforge: SQUARED_DIFFERENCE, int8, with numpy-style broadcasting. Portable C99; see
 * mcuforge_kernels.h for the parameter contract and mf_broadcast.h for the operand layout.
 *
 * Each input value is offset by its zero point, scaled up by 2^left_shift and brought to a
 * common scale (twice the larger input scale, over 2^left_shift) by its own multiplier; the
 * difference is squared exactly in int32 and the square requantized to the output scale.
 */
#include "squared_difference.h"
#include "mf_fixedpoint.h"

static int8_t mf_squared_difference_one(const mf_squared_difference_params *p, int32_t x1,
                                        int32_t x2)
{
    /* |x + offset| <= 255, so the shifted values stay below 2^15 (left_shift <= 7) */
    const int32_t shifted1 = (x1 + p->input1_offset) * ((int32_t)1 << p->left_shift);
    const int32_t shifted2 = (x2 + p->input2_offset) * ((int32_t)1 << p->left_shift);
    const int32_t scaled1 =
        mf_multiply_by_quantized_multiplier(shifted1, p->input1_multiplier, p->input1_shift);
    const int32_t scaled2 =
        mf_multiply_by_quantized_multiplier(shifted2, p->input2_multiplier, p->input2_shift);
    const int32_t difference = scaled1 - scaled2;          /* |.| <= 32,640 */
    const int32_t square = mf_multiply_by_quantized_multiplier(difference * difference,
                                                               p->output_multiplier,
                                                               p->output_shift);
    return (int8_t)mf_clamp(square + p->output_offset, -128, 127);
}

mf_status mf_squared_difference_s8(const mf_squared_difference_params *p, const int8_t *input1,
                                   const int8_t *input2, int8_t *output)
{
    mf_broadcast_walk w;
    int32_t row, i;

    if (!mf_broadcast_begin(&p->broadcast, &w) || p->left_shift < 0 || p->left_shift > 7 ||
        p->input1_shift > 0 || p->input2_shift > 0 || p->input1_shift < -31 ||
        p->input2_shift < -31 || p->output_shift < -31 || p->output_shift > 30) {
        return MF_ERROR_ARGUMENT;
    }
    for (row = 0; row < w.rows; ++row) {
        const int8_t *a = input1 + w.offset1;
        const int8_t *b = input2 + w.offset2;
        for (i = 0; i < w.inner; ++i) {
            output[i] = mf_squared_difference_one(p, a[i * w.stride1], b[i * w.stride2]);
        }
        output += w.inner;
        mf_broadcast_next_row(&p->broadcast, &w);
    }
    return MF_OK;
}

mf_status mf_squared_difference_const_s8(const mf_squared_difference_params *p,
                                         const int8_t *input, int8_t *output)
{
    const int8_t *input1;
    const int8_t *input2;
    if (!mf_broadcast_operands(&p->broadcast, input, &input1, &input2)) {
        return MF_ERROR_ARGUMENT;
    }
    return mf_squared_difference_s8(p, input1, input2, output);
}
