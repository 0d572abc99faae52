/*
 * mcuforge optimized kernels: DEPTHWISE_CONV_2D, int8, for cores with the DSP extension
 * (Cortex-M4, M7, M33, M55). Same contract as the portable kernels/depthwise_conv2d.h (depth
 * multiplier 1, no dilation), bit for bit; the params struct is mirrored field for field by
 * mcuforge.compile.ops.optimized.depthwise_conv2d (OptDepthwiseConv2DDspParams).
 *
 * What the generator did ahead of time:
 *   - weights: [k_h * k_w taps][c_padded] int16, doubled (2 * w), channels zero-padded to
 *     c_padded (a multiple of 4) and each group of 4 channels in SXTB16 lane order
 *     (c0, c2, c1, c3), so that one word of 4 input channels widened by SXTB16 (and SXTB16 with
 *     ROR 8) meets its weights lane for lane.
 *   - quant: [c_padded / 4 groups][4][4] int32: per group the 4 channels' 2 * bias', then their
 *     multipliers, right shifts e >= 1 and rounding constants 2^(e-1) + (output_offset << e),
 *     with bias' = bias + input_offset * sum(w) (see conv2d_dsp.h: a padded tap reads pad_value,
 *     the input zero point, whose contribution with the folded offset is exactly zero; the
 *     generator checked |accumulator| < 2^30).
 *   - scratch: k_h * k_w tap pointers, then c_padded bytes of pad_value (a padded tap's pixel).
 */
#ifndef MF_OPT_KERNEL_DEPTHWISE_CONV2D_DSP_H
#define MF_OPT_KERNEL_DEPTHWISE_CONV2D_DSP_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    mf_dims input;                 /* [n, h, w, c] */
    mf_dims output;                /* [n, oh, ow, c] */
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t c_padded;              /* c rounded up to a multiple of 4 */
    int32_t pad_value;             /* input zero point */
    int32_t act_min, act_max;
    const int16_t *weights;
    const int32_t *quant;
    int8_t *scratch;               /* 4 * k_h * k_w + c_padded bytes, 4-byte aligned */
} mf_opt_depthwise_conv2d_dsp_params;

/* Any window, stride and padding. */
mf_status mf_opt_depthwise_conv2d_dsp_s8(const mf_opt_depthwise_conv2d_dsp_params *p,
                                         const int8_t *input, int8_t *output);

/* k_h = k_w = 3: the same with the 9 taps unrolled. */
mf_status mf_opt_depthwise_conv2d_3x3_dsp_s8(const mf_opt_depthwise_conv2d_dsp_params *p,
                                             const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_OPT_KERNEL_DEPTHWISE_CONV2D_DSP_H */
