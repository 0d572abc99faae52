/*
 * mcuforge optimized kernels: DEPTHWISE_CONV_2D, int8, for Helium (MVE, Cortex-M55).
 * Same contract as the portable kernels/depthwise_conv2d.h (depth multiplier 1, no dilation),
 * bit for bit; the params struct is mirrored field for field by
 * mcuforge.compile.ops.optimized.depthwise_conv2d (OptDepthwiseConv2DMveParams).
 *
 * What the generator did ahead of time:
 *   - weights: int16, [c_padded / 8 groups of channels][k_h * k_w taps][8 channels] (channels
 *     zero-padded to c_padded, a multiple of 8), in the order the inner loop reads them.
 *   - quant: [c_padded / 8 groups][4 fields][even channels 0, 2, 4, 6 | odd 1, 3, 5, 7] int32,
 *     the fields:
 *     bias' = bias + input_offset * sum(w) (a padded tap reads pad_value, the input
 *     zero point, whose contribution with the folded offset is exactly zero, as in
 *     TFLite-Micro), multiplier, left shift max(shift, 0), right shift min(shift, 0);
 *     requantization as in conv2d_mve.h (exactly TFLite-Micro's).
 *     The raw products are summed modulo 2^32 and bias' added: the result is TFLite-Micro's
 *     accumulator exactly, which the lowering checked fits int32.
 *   - scratch: general kernel: k_h * k_w tap pointers, then c_padded bytes (a padded tap's pixel
 *     of pad_value); 3x3 kernel: 12 * c bytes (a row of 3 pad_value pixels, then a patch of
 *     3 x 3 pixels for the windows that overlap the left or right padding).
 */
#ifndef MF_OPT_KERNEL_DEPTHWISE_CONV2D_MVE_H
#define MF_OPT_KERNEL_DEPTHWISE_CONV2D_MVE_H

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
    int32_t c_padded;              /* c rounded up to a multiple of 8 */
    int32_t pad_value;             /* input zero point */
    int32_t output_offset;
    int32_t act_min, act_max;
    const int16_t *weights;
    const int32_t *quant;
    int8_t *scratch;               /* see above, 4-byte aligned */
} mf_opt_depthwise_conv2d_mve_params;

/* Any window, stride and padding. */
mf_status mf_opt_depthwise_conv2d_mve_s8(const mf_opt_depthwise_conv2d_mve_params *p,
                                         const int8_t *input, int8_t *output);

/* k_h = k_w = 3: the same with the 9 taps unrolled. */
mf_status mf_opt_depthwise_conv2d_3x3_mve_s8(const mf_opt_depthwise_conv2d_mve_params *p,
                                             const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_OPT_KERNEL_DEPTHWISE_CONV2D_MVE_H */
