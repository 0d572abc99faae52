/*
 * mcuforge optimized kernels: ADD for the DSP extension (see add_dsp.h). `>>` of a negative
 * int32 is arithmetic (GCC, Clang, Arm Compiler).
 */
#include <arm_acle.h>

#include "add_dsp.h"

#ifndef __ARM_FEATURE_DSP
#error "kernels/optimized/add_dsp.c needs the DSP extension (Cortex-M4, M7, M33, M55)"
#endif

static inline int32_t mf_opt_smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

/* RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x2 / 2, m), e) for an even x2 = 2x:
 * rounding = 2^(e-1) (0 when e = 0), negative = -1 when e > 0 (the fixup of negative values). */
static inline int32_t mf_opt_scale(int32_t x2, int32_t m, int32_t e, int32_t rounding,
                                   int32_t negative)
{
    const int32_t r = mf_opt_smmulr(x2, m);
    return (r + ((r >> 31) & negative) + rounding) >> e;
}

mf_status mf_opt_add_dsp_s8(const mf_opt_add_dsp_params *p, const int8_t *input1,
                            const int8_t *input2, int8_t *output)
{
    const int32_t s = p->left_shift + 1;      /* the doubling of the first multiply */
    const int32_t off1 = p->input1_offset * (1 << s), off2 = p->input2_offset * (1 << s);
    const int32_t m1 = p->input1_multiplier, m2 = p->input2_multiplier;
    const int32_t m = p->output_multiplier;
    const int32_t e1 = -p->input1_shift, e2 = -p->input2_shift, e = -p->output_shift;
    const int32_t r1 = e1 > 0 ? 1 << (e1 - 1) : 0, n1 = e1 > 0 ? -1 : 0;
    const int32_t r2 = e2 > 0 ? 1 << (e2 - 1) : 0, n2 = e2 > 0 ? -1 : 0;
    const int32_t r = e > 0 ? 1 << (e - 1) : 0, n = e > 0 ? -1 : 0;
    const int32_t out_offset = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t i;
    if (p->left_shift < 0 || p->left_shift > 20 || e1 < 0 || e2 < 0 || e < 0) {
        return MF_ERROR_ARGUMENT;
    }
    for (i = 0; i < p->size; ++i) {
        const int32_t a = mf_opt_scale(off1 + input1[i] * (1 << s), m1, e1, r1, n1);
        const int32_t b = mf_opt_scale(off2 + input2[i] * (1 << s), m2, e2, r2, n2);
        int32_t y = mf_opt_scale((a + b) * 2, m, e, r, n) + out_offset;
        y = y < lo ? lo : y;
        output[i] = (int8_t)(y > hi ? hi : y);
    }
    return MF_OK;
}
