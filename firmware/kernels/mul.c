/*
 * mcuforge: MUL, int8 and int16, with numpy-style broadcasting. Portable C99; see mcuforge_kernels.h for
 * the parameter contract and mf_broadcast.h for the operand layout.
 *
 * Each pair of values, their zero points taken out, is multiplied exactly in int32 and the
 * product requantized once to the output scale (the multiplier folds both input scales).
 */
#include "mul.h"
#include "mf_fixedpoint.h"

/* One output value, clamped to [act_min, act_max] (within the output type's range).
 * int8: |x + offset| <= 255, the product fits in 17 bits; int16: |x| <= 2^15 with offsets 0,
 * the product is at most 2^30 (the generator rejected shifts that would move it out of int32;
 * TFLite-Micro's MulElementwise is one template for both types). */
static int32_t mf_mul_one(const mf_mul_params *p, int32_t x1, int32_t x2)
{
    const int32_t product = (x1 + p->input1_offset) * (x2 + p->input2_offset);
    const int32_t scaled =
        mf_multiply_by_quantized_multiplier(product, p->output_multiplier, p->output_shift);
    return mf_clamp(scaled + p->output_offset, p->act_min, p->act_max);
}

mf_status mf_mul_s8(const mf_mul_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output)
{
    mf_broadcast_walk w;
    int32_t row, i;

    if (!mf_broadcast_begin(&p->broadcast, &w) || p->output_shift < -31 || p->output_shift > 30) {
        return MF_ERROR_ARGUMENT;
    }
    for (row = 0; row < w.rows; ++row) {
        const int8_t *a = input1 + w.offset1;
        const int8_t *b = input2 + w.offset2;
        for (i = 0; i < w.inner; ++i) {
            output[i] = (int8_t)mf_mul_one(p, a[i * w.stride1], b[i * w.stride2]);
        }
        output += w.inner;
        mf_broadcast_next_row(&p->broadcast, &w);
    }
    return MF_OK;
}

mf_status mf_mul_const_s8(const mf_mul_params *p, const int8_t *input, int8_t *output)
{
    const int8_t *input1;
    const int8_t *input2;
    if (!mf_broadcast_operands(&p->broadcast, input, &input1, &input2)) {
        return MF_ERROR_ARGUMENT;
    }
    return mf_mul_s8(p, input1, input2, output);
}

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
            output[i] = (int16_t)mf_mul_one(p, a[i * w.stride1], b[i * w.stride2]);
        }
        output += w.inner;
        mf_broadcast_next_row(&p->broadcast, &w);
    }
    return MF_OK;
}
