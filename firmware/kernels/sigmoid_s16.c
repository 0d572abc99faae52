/*
 * mcuforge: int16 LOGISTIC and TANH on interpolated sigmoid nodes. Portable C99; see
 * sigmoid_s16.h.
 */
#include "sigmoid_s16.h"
#include "mf_fixedpoint.h"

int32_t mf_sigmoid_s16_scale(int32_t x, int32_t multiplier, int32_t right_shift)
{
    const int32_t round = (right_shift > 0) ? ((int32_t)1 << (right_shift - 1)) : 0;
    /* |x * multiplier| + round < 2^31 (checked by the generator) */
    return mf_shift_right_floor(x * multiplier + round, (int)right_shift);
}

/* |v| = 2^bits k + f: node k and k + 1 interpolated at f, node * 2^bits + f * (next - node)
 * (< 2^(16 + bits): nodes < 2^16, non-decreasing); ``saturated`` from k >= 255 on. */
static uint32_t mf_sigmoid_s16_interpolate(const uint16_t *table, int32_t v, int bits,
                                           uint32_t saturated)
{
    const uint32_t a = (v < 0) ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
    const uint32_t k = a >> bits;
    if (k >= 255u) {
        return saturated;
    }
    return ((uint32_t)table[k] << bits)
           + (a & (((uint32_t)1 << bits) - 1u)) * ((uint32_t)table[k + 1u] - table[k]);
}

/* sigmoid: node step 2^9 of |v|; r < 2^25, so neither branch of the symmetry wraps in uint32. */
int32_t mf_sigmoid_s16_value(const uint16_t *table, int32_t v)
{
    uint32_t r = mf_sigmoid_s16_interpolate(table, v, 9, (uint32_t)0x7FFF << 10);
    /* sigmoid(-v) = 1 - sigmoid(v), the rounding nudge mirrored */
    r = (v >= 0) ? r + (1u << 9) : ((uint32_t)1 << 25) - r + (1u << 9) - 1u;
    return (int32_t)(r >> 10);
}

/* tanh: node step 2^8 of |v|; r < 2^24, so the signed arithmetic cannot overflow. */
int32_t mf_tanh_s16_value(const uint16_t *table, int32_t v)
{
    int32_t r = (int32_t)mf_sigmoid_s16_interpolate(table, v, 8, (uint32_t)0xFFFF << 8);
    r = (v >= 0) ? r - ((int32_t)1 << 23) + ((int32_t)1 << 7)
                 : -r + ((int32_t)1 << 23) + ((int32_t)1 << 7) - 1;
    return mf_shift_right_floor(r, 8);
}

/* every element: scaled, then ``value`` of it */
static mf_status mf_sigmoid_s16_each(const mf_sigmoid_s16_params *p, const int16_t *input,
                                     int16_t *output,
                                     int32_t (*value)(const uint16_t *table, int32_t v))
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = (int16_t)value(p->table, mf_sigmoid_s16_scale(input[i], p->multiplier,
                                                                  p->right_shift));
    }
    return MF_OK;
}

mf_status mf_logistic_s16(const mf_sigmoid_s16_params *p, const int16_t *input, int16_t *output)
{
    return mf_sigmoid_s16_each(p, input, output, mf_sigmoid_s16_value);
}

mf_status mf_tanh_s16(const mf_sigmoid_s16_params *p, const int16_t *input, int16_t *output)
{
    return mf_sigmoid_s16_each(p, input, output, mf_tanh_s16_value);
}
