/*
 * mcuforge: SOFTMAX, int16. Portable C99; see softmax_s16.h.
 */
#include "softmax_s16.h"
#include "mf_fixedpoint.h"

/* f(x) for an int16 x from a 513-entry table over the int16 range: entry k holds f at
 * x = (k - 256) * 128; between entries the value is interpolated on the low 7 bits of x,
 * rounded half up. Entries are int16, so every slope fits in 17 bits and the product in 24. */
static int32_t mf_table_lookup_s16(const int16_t *table, int32_t x)
{
    const int32_t index = 256 + mf_shift_right_floor(x, 7);   /* 0 .. 511 */
    const int32_t fraction = x & 0x7f;                         /* two's complement low bits */
    const int32_t base = table[index];
    const int32_t slope = (int32_t)table[index + 1] - base;
    return base + mf_shift_right_floor(slope * fraction + 64, 7);
}

mf_status mf_softmax_s16(const mf_softmax_s16_params *p, const int16_t *input, int16_t *output)
{
    const int32_t depth = p->depth;
    int32_t r, c;

    if (depth < 1 || depth > MF_SOFTMAX_MAX_DEPTH || p->rows < 0) {
        return MF_ERROR_ARGUMENT;
    }
    for (r = 0; r < p->rows; ++r) {
        const int16_t *x = input + r * depth;
        int16_t *y = output + r * depth;
        int32_t max = INT16_MIN, sum = 0, headroom, shifted_sum, reciprocal, right_shift;
        int64_t round;
        for (c = 0; c < depth; ++c) {
            max = (x[c] > max) ? x[c] : max;
        }
        for (c = 0; c < depth; ++c) {
            /* x - max in [-65535, 0]; the requantized difference is recentred by + 32767 */
            const int32_t scaled = mf_multiply_by_quantized_multiplier(
                (int32_t)x[c] - max, p->input_multiplier, p->input_shift);
            const int32_t e = mf_table_lookup_s16(
                p->exp_table, mf_clamp(mf_add_wrapping(scaled, 32767), INT16_MIN, INT16_MAX));
            y[c] = (int16_t)e;
            sum += e;        /* depth * 32767 < 2^31 */
        }
        /* the max's own exp is near 32767, so sum >= 1 and 1 <= headroom <= 31 */
        if (sum <= 0) {
            return MF_ERROR_ARGUMENT;
        }
        headroom = mf_count_leading_zeros((uint32_t)sum);
        /* sum normalised to [2^30, 2^31) then to 17 bits, rounded: [2^16, 2^17] */
        shifted_sum = (int32_t)((((int64_t)sum << (headroom - 1)) + (1 << 13)) >> 14);
        /* 1 / sum as 1 / (1 + x): x = shifted_sum / 2^16 - 1, recentred to the int16 range */
        reciprocal = mf_table_lookup_s16(
            p->reciprocal_table,
            mf_clamp(shifted_sum - ((1 << 15) + (1 << 16)), INT16_MIN, INT16_MAX));
        right_shift = 31 - headroom;
        round = (right_shift > 0) ? ((int64_t)1 << (right_shift - 1)) : 0;
        for (c = 0; c < depth; ++c) {
            /* |y * reciprocal| < 2^30: no overflow; a non-negative product, so >> is a floor */
            const int64_t scaled = ((int64_t)y[c] * reciprocal + round) >> right_shift;
            y[c] = (int16_t)(scaled < 0 ? 0 : (scaled > 32767 ? 32767 : scaled));
        }
    }
    return MF_OK;
}
