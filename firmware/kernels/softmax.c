/*
 * mcuforge: SOFTMAX, int8 in, int8 out (scale 1/256, zero point -128), over the last dimension.
 * Portable C99 reference implementation; see mcuforge_kernels.h for the parameter contract.
 *
 * Per row: d = x - max(row) <= 0 is scaled by beta * input_scale into Q5.26 (input_multiplier,
 * input_left_shift), exp(d) is evaluated in fixed point (mf_exp_q31_on_negative_q5_26), the
 * exponentials are summed in Q12.19, and each output is exp(d) / sum in units of 1/256, shifted
 * by -128. Differences below diff_min are treated as exp(d) = 0 (output -128).
 */
#include "softmax.h"
#include "mf_fixedpoint.h"

/* exp(beta * input_scale * diff) in Q0.31 for diff_min <= diff <= 0.
 * diff_min was chosen at generation time so that |diff| * 2^input_left_shift <= 31 * 2^26:
 * the shifted value fits in int32_t, and after the multiply (by less than one) the Q5.26 value
 * lies in [-31, 0]. */
static int32_t mf_softmax_exp(const mf_softmax_params *p, int32_t diff)
{
    const int32_t shifted = (int32_t)((int64_t)diff * ((int64_t)1 << p->input_left_shift));
    const int32_t scaled_q5_26 = mf_sat_rounding_doubling_high_mul(shifted, p->input_multiplier);
    return mf_exp_q31_on_negative_q5_26(scaled_q5_26);
}

mf_status mf_softmax_s8(const mf_softmax_params *p, const int8_t *input, int8_t *output)
{
    const int32_t depth = p->depth;
    int32_t row, i;

    /* depth <= 4095 keeps the Q12.19 sum below 2^31 (each term is at most 2^19). */
    if (depth < 1 || depth > 4095 || p->input_left_shift < 0 || p->input_left_shift > 31 ||
        p->diff_min > 0) {
        return MF_ERROR_ARGUMENT;
    }

    for (row = 0; row < p->rows; ++row) {
        const int8_t *x = input + row * depth;
        int8_t *y = output + row * depth;
        int32_t max_value = -128;
        int32_t sum_q12_19 = 0;
        int headroom, bits_over_one, exponent;
        int32_t reciprocal_q0_31;

        for (i = 0; i < depth; ++i) {
            max_value = (x[i] > max_value) ? x[i] : max_value;
        }

        for (i = 0; i < depth; ++i) {
            const int32_t diff = (int32_t)x[i] - max_value;
            if (diff >= p->diff_min) {
                /* Q0.31 -> Q12.19: rounding shift right by 12 */
                sum_q12_19 += mf_rounding_divide_by_pot(mf_softmax_exp(p, diff), 12);
            }
        }

        /* The maximum contributes exp(0) = 2^19 in Q12.19, so sum >= 2^19: its leading one is at
         * bit 19 + bits_over_one with 0 <= bits_over_one <= 11. Normalise sum to 1 + f with f in
         * [0, 1) and take 1 / (1 + f); the true reciprocal is that times 2^-bits_over_one. */
        headroom = mf_count_leading_zeros((uint32_t)sum_q12_19);
        bits_over_one = 12 - headroom;
        reciprocal_q0_31 = mf_one_over_one_plus_x_q31(
            (int32_t)(((uint32_t)sum_q12_19 << headroom) - 0x80000000u));
        /* Q0.31 quotient -> units of 1/256: shift right by 31 - 8, plus the normalisation.
         * exponent is in [23, 34]. Above 31 (a sum of exponentials >= 512, which needs a row of
         * more than 511 values) TFLite-Micro stops with a failed check; here every output
         * rounds to 0, the exact rounding of a Q0.31 quotient divided by 2^32 or more. */
        exponent = bits_over_one + 31 - 8;

        for (i = 0; i < depth; ++i) {
            const int32_t diff = (int32_t)x[i] - max_value;
            if (diff >= p->diff_min) {
                const int32_t quotient = mf_sat_rounding_doubling_high_mul(
                    reciprocal_q0_31, mf_softmax_exp(p, diff));
                const int32_t scaled =
                    (exponent <= 31) ? mf_rounding_divide_by_pot(quotient, exponent) : 0;
                y[i] = (int8_t)mf_clamp(scaled - 128, -128, 127);
            } else {
                y[i] = -128;
            }
        }
    }
    return MF_OK;
}
