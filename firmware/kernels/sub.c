/*
 * mcuforge: SUB, int8 and int16, with TFLite's two-input rescaling and numpy-style broadcasting.
 * Portable C99; see mcuforge_kernels.h for the parameter contract and mf_broadcast.h for the
 * operand layout.
 *
 * Each input value is offset by its zero point, scaled up by 2^left_shift to keep precision,
 * and brought to a common scale (twice the larger input scale, over 2^left_shift) by its own
 * multiplier; the difference is then requantized to the output scale.
 */
#include "sub.h"
#include "mf_fixedpoint.h"

/* One output value, clamped to [act_min, act_max] (within the output type's range).
 * int8: |x + offset| <= 255, so the shifted values stay below 2^28 (left_shift <= 20);
 * int16: |x| <= 2^15 with offsets 0, so they stay within 2^30 (left_shift <= 15). */
static int32_t mf_sub_one(const mf_sub_params *p, int32_t x1, int32_t x2)
{
    const int32_t shifted1 = (x1 + p->input1_offset) * ((int32_t)1 << p->left_shift);
    const int32_t shifted2 = (x2 + p->input2_offset) * ((int32_t)1 << p->left_shift);
    const int32_t scaled1 =
        mf_multiply_by_quantized_multiplier(shifted1, p->input1_multiplier, p->input1_shift);
    const int32_t scaled2 =
        mf_multiply_by_quantized_multiplier(shifted2, p->input2_multiplier, p->input2_shift);
    const int32_t difference = mf_multiply_by_quantized_multiplier(scaled1 - scaled2,
                                                                   p->output_multiplier,
                                                                   p->output_shift);
    return mf_clamp(difference + p->output_offset, p->act_min, p->act_max);
}

mf_status mf_sub_s8(const mf_sub_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output)
{
    mf_broadcast_walk w;
    int32_t row, i;

    if (!mf_broadcast_begin(&p->broadcast, &w) || p->left_shift < 0 || p->left_shift > 20 ||
        p->input1_shift > 0 || p->input2_shift > 0 || p->output_shift > 0 ||
        p->input1_shift < -31 || p->input2_shift < -31 || p->output_shift < -31) {
        return MF_ERROR_ARGUMENT;
    }
    for (row = 0; row < w.rows; ++row) {
        const int8_t *a = input1 + w.offset1;
        const int8_t *b = input2 + w.offset2;
        for (i = 0; i < w.inner; ++i) {
            output[i] = (int8_t)mf_sub_one(p, a[i * w.stride1], b[i * w.stride2]);
        }
        output += w.inner;
        mf_broadcast_next_row(&p->broadcast, &w);
    }
    return MF_OK;
}

mf_status mf_sub_const_s8(const mf_sub_params *p, const int8_t *input, int8_t *output)
{
    const int8_t *input1;
    const int8_t *input2;
    if (!mf_broadcast_operands(&p->broadcast, input, &input1, &input2)) {
        return MF_ERROR_ARGUMENT;
    }
    return mf_sub_s8(p, input1, input2, output);
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
            output[i] = (int16_t)mf_sub_one(p, a[i * w.stride1], b[i * w.stride2]);
        }
        output += w.inner;
        mf_broadcast_next_row(&p->broadcast, &w);
    }
    return MF_OK;
}
