/*
 * mcuforge: ADD, int8 and int16, with TFLite's two-input rescaling and numpy-style
 * broadcasting. Portable C99; see mcuforge_kernels.h for the parameter contract.
 *
 * Each input value is offset by its zero point, scaled up by 2^left_shift to keep precision,
 * and brought to a common scale (twice the larger input scale, over 2^left_shift) by its own
 * multiplier; the sum is then requantized to the output scale.
 */
#include "add.h"
#include "mf_broadcast.h"
#include "mf_fixedpoint.h"

/* One output value, clamped to [act_min, act_max] (which lie in the output type's range).
 * int8: |x + offset| <= 255, so the shifted values stay below 2^28 (left_shift <= 20);
 * int16: |x| <= 2^15 with offsets 0, so they stay within 2^30 (left_shift <= 15). */
static int32_t mf_add_one(const mf_add_params *p, int32_t x1, int32_t x2)
{
    const int32_t shifted1 = (x1 + p->input1_offset) * ((int32_t)1 << p->left_shift);
    const int32_t shifted2 = (x2 + p->input2_offset) * ((int32_t)1 << p->left_shift);
    const int32_t scaled1 =
        mf_multiply_by_quantized_multiplier(shifted1, p->input1_multiplier, p->input1_shift);
    const int32_t scaled2 =
        mf_multiply_by_quantized_multiplier(shifted2, p->input2_multiplier, p->input2_shift);
    const int32_t sum = mf_multiply_by_quantized_multiplier(scaled1 + scaled2,
                                                            p->output_multiplier,
                                                            p->output_shift);
    return mf_clamp(sum + p->output_offset, p->act_min, p->act_max);
}

mf_status mf_add_s8(const mf_add_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output)
{
    const int32_t rank = p->rank;
    int32_t index[MF_MAX_DIMS];
    int32_t inner, stride1, stride2, outer, row, d, i;

    if (rank < 1 || rank > MF_MAX_DIMS || p->left_shift < 0 || p->left_shift > 20 ||
        p->input1_shift > 0 || p->input2_shift > 0 || p->output_shift > 0) {
        return MF_ERROR_ARGUMENT;
    }
    /* The innermost dimension is a plain loop; the outer ones are walked like an odometer. */
    inner = p->output_dims[rank - 1];
    stride1 = p->input1_strides[rank - 1];
    stride2 = p->input2_strides[rank - 1];
    outer = 1;
    for (d = 0; d < rank - 1; ++d) {
        outer *= p->output_dims[d];
        index[d] = 0;
    }
    for (row = 0; row < outer; ++row) {
        int32_t offset1 = 0, offset2 = 0;
        for (d = 0; d < rank - 1; ++d) {
            offset1 += index[d] * p->input1_strides[d];
            offset2 += index[d] * p->input2_strides[d];
        }
        for (i = 0; i < inner; ++i) {
            output[i] = (int8_t)mf_add_one(p, input1[offset1 + i * stride1],
                                           input2[offset2 + i * stride2]);
        }
        output += inner;
        for (d = rank - 2; d >= 0; --d) {
            if (++index[d] < p->output_dims[d]) {
                break;
            }
            index[d] = 0;
        }
    }
    return MF_OK;
}

mf_status mf_add_s16(const mf_add_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output)
{
    /* mf_add_params lays out its broadcast like mf_broadcast_params (without a constant) */
    mf_broadcast_params b;
    mf_broadcast_walk w;
    int32_t row, i, d;

    if (p->rank < 1 || p->rank > MF_MAX_DIMS || p->left_shift < 0 || p->left_shift > 15 ||
        p->input1_shift > 0 || p->input2_shift > 0 || p->output_shift > 0) {
        return MF_ERROR_ARGUMENT;
    }
    b.rank = p->rank;
    for (d = 0; d < MF_MAX_DIMS; ++d) {
        b.output_dims[d] = p->output_dims[d];
        b.input1_strides[d] = p->input1_strides[d];
        b.input2_strides[d] = p->input2_strides[d];
    }
    b.constant_input = 0;
    b.constant = 0;
    (void)mf_broadcast_begin(&b, &w);
    for (row = 0; row < w.rows; ++row) {
        const int16_t *x1 = input1 + w.offset1;
        const int16_t *x2 = input2 + w.offset2;
        for (i = 0; i < w.inner; ++i) {
            output[i] = (int16_t)mf_add_one(p, x1[i * w.stride1], x2[i * w.stride2]);
        }
        output += w.inner;
        mf_broadcast_next_row(&b, &w);
    }
    return MF_OK;
}
