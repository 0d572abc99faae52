/*
 * mcuforge: PRELU, int8, with a constant alpha broadcast against the input. Portable C99; see
 * prelu.h for the parameter contract.
 */
#include "prelu.h"
#include "mf_fixedpoint.h"

static int8_t mf_prelu_one(const mf_prelu_params *p, int32_t x, int32_t a)
{
    const int32_t v = x + p->input_offset;
    int32_t y;
    if (v >= 0) {
        y = mf_multiply_by_quantized_multiplier(v, p->positive_multiplier, p->positive_shift);
    } else {
        /* |v| <= 255 and |a + alpha_offset| <= 255: the product fits easily */
        y = mf_multiply_by_quantized_multiplier(v * (a + p->alpha_offset),
                                                p->negative_multiplier, p->negative_shift);
    }
    return (int8_t)mf_clamp(mf_add_wrapping(y, p->output_offset), -128, 127);
}

static int mf_prelu_shift_ok(int32_t shift)
{
    return shift >= -31 && shift <= 30;
}

mf_status mf_prelu_s8(const mf_prelu_params *p, const int8_t *input, int8_t *output)
{
    const int32_t rank = p->rank;
    const int8_t *alpha = p->alpha;
    int32_t index[MF_MAX_DIMS];
    int32_t inner, input_step, alpha_step, rows, row, d, i;

    if (rank < 1 || rank > MF_MAX_DIMS || alpha == NULL ||
        !mf_prelu_shift_ok(p->positive_shift) || !mf_prelu_shift_ok(p->negative_shift)) {
        return MF_ERROR_ARGUMENT;
    }
    /* The last dimension is walked by a plain loop, the others as a counter over index[]. */
    inner = p->output_dims[rank - 1];
    input_step = p->input_strides[rank - 1];
    alpha_step = p->alpha_strides[rank - 1];
    rows = 1;
    for (d = 0; d < rank - 1; ++d) {
        rows *= p->output_dims[d];
        index[d] = 0;
    }
    for (row = 0; row < rows; ++row) {
        int32_t input_base = 0, alpha_base = 0;
        for (d = 0; d < rank - 1; ++d) {
            input_base += index[d] * p->input_strides[d];
            alpha_base += index[d] * p->alpha_strides[d];
        }
        for (i = 0; i < inner; ++i) {
            output[i] = mf_prelu_one(p, input[input_base + i * input_step],
                                     alpha[alpha_base + i * alpha_step]);
        }
        output += inner;
        for (d = rank - 2; d >= 0; --d) {
            index[d] += 1;
            if (index[d] < p->output_dims[d]) {
                break;
            }
            index[d] = 0;
        }
    }
    return MF_OK;
}
