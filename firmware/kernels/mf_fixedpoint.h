/*
 * mcuforge: integer fixed-point helpers shared by the int8 and int16 kernels.
 *
 * Everything here is `static inline`, portable C99 and free of undefined behaviour for the value
 * ranges stated at each function (int32_t is two's complement by definition of the exact-width
 * types; the only implementation-defined step, a uint32_t -> int32_t conversion, is called out
 * where it happens and is modular on every compiler mcuforge targets: GCC, Clang, Arm Compiler).
 *
 * Notation: "Qm.n" is a signed 32-bit value with m integer bits and n = 31 - m fractional bits,
 * i.e. real = raw / 2^n. Q0.31 covers [-1, 1), Q5.26 covers [-32, 32).
 *
 * The results are bit-identical to TFLite-Micro's reference kernels (built without
 * TFLITE_SINGLE_ROUNDING): requantization rounds twice, first in the doubling high multiply,
 * then in the rounding right shift.
 */
#ifndef MF_FIXEDPOINT_H
#define MF_FIXEDPOINT_H

#include <stdint.h>

/* floor(x / 2^n) for 0 <= n <= 31, without relying on how `>>` treats negative values:
 * for x < 0, ~x = -x - 1 >= 0 and ~((-x - 1) >> n) = floor(x / 2^n). */
static inline int32_t mf_shift_right_floor(int32_t x, int n)
{
    return (x >= 0) ? (int32_t)(x >> n) : (int32_t)~((~x) >> n);
}

/* round(x / 2^exponent), ties away from zero, for 0 <= exponent <= 31.
 * Start from floor(x / 2^exponent) and add one when the discarded low bits say so: from exactly
 * one half up for x >= 0, only above one half for x < 0 (so a tie stays at the floor, which for
 * a negative x is the side away from zero). */
static inline int32_t mf_rounding_divide_by_pot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
    return mf_shift_right_floor(x, exponent) + ((remainder > threshold) ? 1 : 0);
}

/* round(a * b / 2^31) with ties away from zero; the single case that does not fit,
 * INT32_MIN * INT32_MIN, saturates to INT32_MAX. In Q0.31 terms: the product of two values in
 * [-1, 1). |a * b| <= 2^62, so the 64-bit product and the nudge cannot overflow; the quotient
 * fits in int32_t except in the saturated case. C99 division truncates toward zero. */
static inline int32_t mf_sat_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = (ab >= 0) ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x * 2^shift for x < 2^31 in magnitude, wrapping modulo 2^32 like the int32 multiply in
 * TFLite-Micro's reference code (0 <= shift <= 31). The conversion back to int32_t is the
 * implementation-defined step mentioned above. */
static inline int32_t mf_shift_left_wrapping(int32_t x, int shift)
{
    return (int32_t)((uint32_t)x << shift);
}

/* Requantize: x * multiplier * 2^shift / 2^31, rounded twice (see the file comment).
 * multiplier in [2^30, 2^31) or 0; shift in [-31, 30], > 0 meaning a left shift applied to x
 * before the multiply (which wraps if x * 2^shift leaves int32_t, as in TFLite-Micro). */
static inline int32_t mf_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier,
                                                          int32_t shift)
{
    const int left_shift = (shift > 0) ? (int)shift : 0;
    const int right_shift = (shift > 0) ? 0 : (int)-shift;
    return mf_rounding_divide_by_pot(
        mf_sat_rounding_doubling_high_mul(mf_shift_left_wrapping(x, left_shift), multiplier),
        right_shift);
}

/* a + b modulo 2^32. Used to add the output zero point to a requantized value: that sum only
 * leaves int32_t for absurd effective scales, and then it wraps exactly as TFLite-Micro's does. */
static inline int32_t mf_add_wrapping(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* floor(x / 2^n) for a 64-bit x and 0 <= n <= 62, without relying on how `>>` treats negative
 * values (the same complement trick as mf_shift_right_floor). */
static inline int64_t mf_shift_right_floor64(int64_t x, int n)
{
    return (x >= 0) ? (int64_t)(x >> n) : (int64_t)~((~x) >> n);
}

/* Requantize a 64-bit accumulator (the int16-activation kernels with an int64 bias), with
 * TFLite-Micro's rounding for that case: the Q0.31 multiplier is first rounded to 16 bits,
 * m16 = (multiplier + 2^15) >> 16 in [2^14, 2^15] (2^15 - 1 from 0x7FFF0000 up), then
 * result = floor((x * m16 + 2^(t - 1)) / 2^t) with t = 15 - shift (one rounding, ties toward
 * +infinity), truncated to 32 bits (modular: the uint32_t -> int32_t step of the file comment).
 * Preconditions, checked by the generator: multiplier in [0, 2^31), shift in [-31, 14] (so
 * 1 <= t <= 46) and |x| < 2^47, so |x * m16| + 2^(t - 1) < 2^63. */
static inline int32_t mf_multiply_by_quantized_multiplier64(int64_t x, int32_t multiplier,
                                                            int32_t shift)
{
    const int64_t m16 = (multiplier < 0x7FFF0000) ? (int64_t)((multiplier + (1 << 15)) >> 16)
                                                  : (int64_t)0x7FFF;
    const int t = 15 - (int)shift;
    const int64_t scaled = mf_shift_right_floor64(x * m16 + ((int64_t)1 << (t - 1)), t);
    return (int32_t)(uint32_t)(uint64_t)scaled;
}

/* Clamp to [lo, hi] (lo <= hi). */
static inline int32_t mf_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return (x < lo) ? lo : ((x > hi) ? hi : x);
}

/* ---- helpers for the softmax exp() and 1/x approximations ---- */

/* x * 2^exponent, saturating, for 1 <= exponent <= 30. Values whose magnitude exceeds
 * 2^(31 - exponent) - 1 saturate to INT32_MAX / INT32_MIN (note: -2^(31-exponent) itself
 * saturates to INT32_MIN, which is also its exact product). */
static inline int32_t mf_saturating_shift_left(int32_t x, int exponent)
{
    const int32_t limit = (int32_t)(((int32_t)1 << (31 - exponent)) - 1);
    if (x > limit) {
        return INT32_MAX;
    }
    if (x < -limit) {
        return INT32_MIN;
    }
    return x * ((int32_t)1 << exponent);    /* |x| <= limit: the product fits */
}

/* (a + b) / 2 rounded to nearest, ties away from zero; exact in 64 bits. */
static inline int32_t mf_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    return (int32_t)((sum + ((sum >= 0) ? 1 : -1)) / 2);
}

/* Number of leading zero bits of x (32 for x == 0). Called once per softmax row. */
static inline int mf_count_leading_zeros(uint32_t x)
{
    int n = 0;
    if (x == 0u) {
        return 32;
    }
    while ((x & 0x80000000u) == 0u) {
        x <<= 1;
        ++n;
    }
    return n;
}

/* Q0.31 constants of the exp() approximation. */
#define MF_Q31_EXP_MINUS_1_8     1895147668     /* exp(-1/8) */
#define MF_Q31_ONE_THIRD         715827883      /* 1/3 */

/* exp(a) for a in [-1/4, 0), a and the result in Q0.31.
 * A fourth-order Taylor expansion around -1/8: with x = a + 1/8 in [-1/8, 1/8),
 * exp(a) = exp(-1/8) * (1 + x + x^2/2 + x^3/6 + x^4/24). Every intermediate is below 1 in
 * magnitude and the result lies in (0.77, 1), so no addition can overflow. */
static inline int32_t mf_exp_q31_on_neg_quarter_to_zero(int32_t a)
{
    const int32_t x = a + ((int32_t)1 << 28);                 /* + 1/8 */
    const int32_t x2 = mf_sat_rounding_doubling_high_mul(x, x);
    const int32_t x3 = mf_sat_rounding_doubling_high_mul(x2, x);
    const int32_t x4 = mf_sat_rounding_doubling_high_mul(x2, x2);
    const int32_t x4_over_4 = mf_rounding_divide_by_pot(x4, 2);
    /* ((x^4/4 + x^3) / 3 + x^2) / 2 = x^4/24 + x^3/6 + x^2/2 */
    const int32_t higher_terms = mf_rounding_divide_by_pot(
        mf_sat_rounding_doubling_high_mul(x4_over_4 + x3, MF_Q31_ONE_THIRD) + x2, 1);
    return MF_Q31_EXP_MINUS_1_8 +
           mf_sat_rounding_doubling_high_mul(MF_Q31_EXP_MINUS_1_8, x + higher_terms);
}

/* exp(a) for a <= 0 given in Q5.26 (so a >= -32), result in Q0.31 (exp(0) gives INT32_MAX).
 * a is split into r + (-k/4) with r in [-1/4, 0) and k >= 0 a whole number of quarters:
 * exp(r) comes from the polynomial above, and exp(-k/4) is the product of exp(-2^j) over the
 * set bits j of k/4 (j = -2 .. 4), a barrel shifter of seven Q0.31 constants. */
static inline int32_t mf_exp_q31_on_negative_q5_26(int32_t a)
{
    static const int32_t exp_of_minus_pot[7] = {
        1672461947,    /* exp(-1/4) */
        1302514674,    /* exp(-1/2) */
        790015084,     /* exp(-1)   */
        290630308,     /* exp(-2)   */
        39332535,      /* exp(-4)   */
        720401,        /* exp(-8)   */
        242,           /* exp(-16)  */
    };
    const int32_t quarter = (int32_t)1 << 24;                 /* 1/4 in Q5.26 */
    /* a mod 1/4, shifted to [-1/4, 0): the raw value is in [-2^24, -1] */
    const int32_t r = (a & (quarter - 1)) - quarter;
    /* r - a is a multiple of 1/4 in [0, 32]; its bits 24..30 select the factors. It cannot
     * overflow: r < 0 and a > INT32_MIN for every input the softmax kernel passes. */
    const int32_t quarters = r - a;
    /* Q5.26 -> Q0.31 is a left shift by 5; |r| <= 2^24, so the shift cannot saturate. */
    int32_t result = mf_exp_q31_on_neg_quarter_to_zero(r * 32);
    int j;
    for (j = 0; j < 7; ++j) {
        if ((quarters & ((int32_t)1 << (24 + j))) != 0) {
            result = mf_sat_rounding_doubling_high_mul(result, exp_of_minus_pot[j]);
        }
    }
    return (a == 0) ? INT32_MAX : result;
}

/* 1 / (1 + x) for x in [0, 1) given in Q0.31, result in Q0.31 (in (1/2, 1]).
 * Newton-Raphson on the half denominator d = (1 + x) / 2 in [1/2, 1): start from
 * 48/17 - 32/17 * d and iterate y <- y + y * (1 - d * y) three times; y ~ 1/d is kept in Q2.29.
 * The result is y / 2. */
static inline int32_t mf_one_over_one_plus_x_q31(int32_t x)
{
    const int32_t c_48_over_17 = 1515870810;        /* 48/17 in Q2.29 */
    const int32_t c_minus_32_over_17 = -1010580540; /* -32/17 in Q2.29 */
    const int32_t one_q2_29 = (int32_t)1 << 29;
    const int32_t half_denominator = mf_rounding_half_sum(x, INT32_MAX);   /* Q0.31 */
    int32_t y = c_48_over_17 +
                mf_sat_rounding_doubling_high_mul(half_denominator, c_minus_32_over_17);
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t d_times_y = mf_sat_rounding_doubling_high_mul(half_denominator, y);
        const int32_t one_minus_d_times_y = one_q2_29 - d_times_y;            /* Q2.29 */
        /* Q2.29 * Q2.29 is Q4.27; bring it back to Q2.29 with a saturating shift by 2 */
        y = y + mf_saturating_shift_left(
                    mf_sat_rounding_doubling_high_mul(y, one_minus_d_times_y), 2);
    }
    /* y / 2: the Q2.29 raw value read as Q1.30, converted to Q0.31 (saturating shift by 1) */
    return mf_saturating_shift_left(y, 1);
}

#endif /* MF_FIXEDPOINT_H */
