/*
 * mcuforge optimized kernels: ADD for Helium (see add_mve.h), 4 elements per step.
 */
#include <arm_mve.h>

#include "add_mve.h"

#if !defined(__ARM_FEATURE_MVE) || (__ARM_FEATURE_MVE & 1) == 0
#error "kernels/optimized/add_mve.c needs Helium (MVE integer: Cortex-M55)"
#endif

/* RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, m), -shift), shift <= 0. */
static inline int32x4_t mf_opt_scale(int32x4_t x, int32_t m, int32x4_t shift)
{
    x = vqrdmulhq_n_s32(x, m);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, shift), 31));
    return vrshlq_s32(x, shift);
}

mf_status mf_opt_add_mve_s8(const mf_opt_add_mve_params *p, const int8_t *input1,
                            const int8_t *input2, int8_t *output)
{
    const int32_t scale = 1 << p->left_shift;
    const int32_t off1 = p->input1_offset * scale, off2 = p->input2_offset * scale;
    const int32x4_t s1 = vdupq_n_s32(p->input1_shift), s2 = vdupq_n_s32(p->input2_shift);
    const int32x4_t s = vdupq_n_s32(p->output_shift);
    const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
    int32_t i;
    if (p->left_shift < 0 || p->left_shift > 20) {
        return MF_ERROR_ARGUMENT;
    }
    for (i = 0; i < p->size; i += 4) {
        const mve_pred16_t pred = vctp32q((uint32_t)(p->size - i));
        int32x4_t a = vldrbq_z_s32(input1 + i, pred);
        int32x4_t b = vldrbq_z_s32(input2 + i, pred);
        a = mf_opt_scale(vmlaq_n_s32(vdupq_n_s32(off1), a, scale), p->input1_multiplier, s1);
        b = mf_opt_scale(vmlaq_n_s32(vdupq_n_s32(off2), b, scale), p->input2_multiplier, s2);
        a = vaddq_n_s32(mf_opt_scale(vaddq_s32(a, b), p->output_multiplier, s), p->output_offset);
        a = vminq_s32(vmaxq_s32(a, lo), hi);
        vstrbq_p_s32(output + i, a, pred);
    }
    return MF_OK;
}
