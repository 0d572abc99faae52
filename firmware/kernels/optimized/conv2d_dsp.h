/*
 * mcuforge optimized kernels: CONV_2D, int8, for cores with the Armv7E-M / Armv8-M DSP extension
 * (Cortex-M4, M7, M33, M55: SMLAD, SXTB16, SSAT through <arm_acle.h>).
 * Same contract as the portable kernels/conv2d.h, bit for bit; the params struct is mirrored field
 * for field by mcuforge.compile.ops.optimized.conv2d (OptConv2DDspParams).
 *
 * What the generator did ahead of time (the kernel relies on it):
 *   - weights: per output channel the k = k_h * k_w * c_in taps in OHWI order, zero-padded to k_padded
 *     (a multiple of 4), each group of 4 taps stored in SXTB16 lane order (t0, t2, t1, t3), as
 *     int16 and doubled (2 * w). Channels are interleaved in pairs, group by group:
 *     [c0 g0][c1 g0][c0 g1][c1 g1]... (4 int16 each); an odd last channel follows alone.
 *   - quant: per output channel 4 int32 {2 * bias', multiplier, e, rounding}:
 *       bias'    = bias + input_offset * sum(w): the input offset is folded in, so the inner loop
 *                  multiplies raw int8 inputs; a padded tap reads pad_value (the input zero
 *                  point), whose product with the folded offset is exactly zero, as in TFLite-Micro;
 *       e        = -shift >= 1 (the right shift of the requantization; left shifts are not taken),
 *       rounding = 2^(e - 1) + (output_offset << e).
 *     The generator checked |accumulator| < 2^30 for every input, so with the doubled weights
 *     the accumulator holds 2 * acc and SMMULR(2 * acc, multiplier) is exactly TFLite-Micro's
 *     saturating rounding doubling high multiply; (x + (x >> 31) + rounding) >> e is its rounding
 *     divide by 2^e plus the output offset.
 *   - scratch: 4 * k4 bytes (two output pixels' taps as int16, interleaved by groups of 4) and
 *     then row_bytes bytes (a row or pixel of int8 taps being assembled), in the arena.
 * No dilation, no groups (those stay on the portable kernel).
 */
#ifndef MF_OPT_KERNEL_CONV2D_DSP_H
#define MF_OPT_KERNEL_CONV2D_DSP_H

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
    int32_t k_padded;              /* k_h * k_w * c_in rounded up to a multiple of 8 */
    int32_t pad_value;             /* input zero point, in [-128, 127] */
    int32_t act_min, act_max;      /* fused activation, in the output's quantized domain */
    const int16_t *weights;        /* see above */
    const int32_t *quant;          /* [c_out][4] */
    int8_t *scratch;               /* 4 * k_padded + row_bytes bytes, 4-byte aligned */
} mf_opt_conv2d_dsp_params;

/* Any CONV_2D without dilation or groups: im2col of two output pixels at a time into int16, then
 * a 2 x 2 (pixels x output channels) SMLAD block. */
mf_status mf_opt_conv2d_dsp_s8(const mf_opt_conv2d_dsp_params *p, const int8_t *input,
                               int8_t *output);

/* 1x1 pointwise convolution (k_h = k_w = 1, no padding, any stride): the same block without the
 * window walk. */
mf_status mf_opt_conv2d_1x1_dsp_s8(const mf_opt_conv2d_dsp_params *p, const int8_t *input,
                                   int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_OPT_KERNEL_CONV2D_DSP_H */
