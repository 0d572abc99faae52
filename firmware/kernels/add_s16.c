/*
 * mcuforge: ADD, int16, with TFLite's two-input rescaling (inputs scaled by 2^15) and
 * numpy-style broadcasting. Portable C99; see add_s16.h.
 */
#include "add_s16.h"
#include "mf_broadcast.h"
#include "mf_fixedpoint.h"

static int16_t mf_add_one_s16(const mf_add_params *p, int32_t x1, int32_t x2)
{
    /* |x + offset| <= 2^15 (offsets are 0), so the shifted values stay within 2^30
     * (left_shift <= 15) */
    const int32_t shifted1 = (x1 + p->input1_offset) * ((int32_t)1 << p->left_shift);
    const int32_t shifted2 = (x2 + p->input2_offset) * ((int32_t)1 << p->left_shift);
    const int32_t scaled1 =
        mf_multiply_by_quantized_multiplier(shifted1, p->input1_multiplier, p->input1_shift);
    const int32_t scaled2 =
        mf_multiply_by_quantized_multiplier(shifted2, p->input2_multiplier, p->input2_shift);
    /* each scaled value is at most half its shifted one: the sum fits */
    const int32_t sum = mf_multiply_by_quantized_multiplier(scaled1 + scaled2,
                                                            p->output_multiplier,
                                                            p->output_shift);
    return (int16_t)mf_clamp(sum + p->output_offset, p->act_min, p->act_max);
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
            output[i] = mf_add_one_s16(p, x1[i * w.stride1], x2[i * w.stride2]);
        }
        output += w.inner;
        mf_broadcast_next_row(&b, &w);
    }
    return MF_OK;
}
