/*
 * mcuforge optimized kernels: CONV_2D, int8, for Helium (MVE, Cortex-M55) through <arm_mve.h>.
 * Same contract as the portable kernels/conv2d.h, bit for bit; the params struct is mirrored
 * field for field by mcuforge.compile.ops.optimized.conv2d (OptConv2DMveParams).
 *
 * What the generator did ahead of time:
 *   - weights: int8, by groups of 4 output channels (c_out rounded up to 4, the extra rows
 *     zero), each group's 4 rows interleaved by 16 taps: [group][k_padded / 16][4 rows][16]; a
 *     row is the k = k_h * k_w * c_in taps in OHWI order, zero-padded to k_padded (a multiple
 *     of 16).
 *   - quant: [c_out rounded up to 4, by groups of 4][4 fields][4 channels] int32, the fields:
 *     bias' = bias + input_offset * sum(w) (the inner loop multiplies raw int8 inputs; a padded
 *     tap reads pad_value, the input zero point, whose contribution with the folded offset is
 *     exactly zero, as in TFLite-Micro), multiplier, left shift max(shift, 0), right shift
 *     min(shift, 0). Requantization is TFLite-Micro's for every shift: VSHL, VQRDMULH (its saturating rounding
 *     doubling high multiply), then the rounding divide by 2^-right_shift (VRSHL after a -1 fixup
 *     of negative values, ties away from zero).
 *   - scratch (the general kernel only): 2 * k_padded bytes, two output pixels' taps (im2col).
 * No dilation, no groups.
 */
#ifndef MF_OPT_KERNEL_CONV2D_MVE_H
#define MF_OPT_KERNEL_CONV2D_MVE_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    mf_dims input;                 /* [n, h, w, c_in] */
    mf_dims output;                /* [n, oh, ow, c_out] */
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;          /* top and left padding */
    int32_t k;                     /* k_h * k_w * c_in */
    int32_t k_padded;              /* k rounded up to a multiple of 16 */
    int32_t pad_value;             /* input zero point */
    int32_t output_offset;
    int32_t act_min, act_max;
    const int8_t *weights;
    const int32_t *quant;
    int8_t *scratch;               /* 2 * k_padded bytes (general kernel; unused by 1x1) */
} mf_opt_conv2d_mve_params;

/* Any CONV_2D without dilation or groups: im2col of two output pixels, then 4 output channels
 * at a time, each a VMLADAVA dot product over 16 taps per instruction. */
mf_status mf_opt_conv2d_mve_s8(const mf_opt_conv2d_mve_params *p, const int8_t *input,
                               int8_t *output);

/* 1x1 pointwise convolution (no padding, any stride): straight from the input pixels, two
 * output pixels at a time (each weight vector loaded once feeds both). */
mf_status mf_opt_conv2d_1x1_mve_s8(const mf_opt_conv2d_mve_params *p, const int8_t *input,
                                   int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_OPT_KERNEL_CONV2D_MVE_H */
