/*
 * mcuforge optimized kernels: AVERAGE_POOL_2D and MAX_POOL_2D, int8, for cores with the DSP
 * extension (Cortex-M4, M7, M33, M55).
 * Same contract as the portable kernels/pooling.h, bit for bit (input and output share scale and
 * zero point; the average is over the in-bounds part of the window, rounded half away from
 * zero, then clamped). The params struct is mirrored field for field by
 * mcuforge.compile.ops.optimized.pooling (OptPool2DDspParams).
 *
 * What the generator did ahead of time (average only): the division by the window's count d
 * (known per output position) is a multiplication, no divide instruction: recip[d - count_min]
 * = ceil(2^32 / d) (0 for d = 1: the quotient is the sum itself), and then
 * (|sum| + d / 2) / d = ((|sum| + d / 2) * recip) >> 32 exactly, because the generator checked
 * (128 * d + d / 2) * (d - 1) < 2^32 for every d of the layer;
 * the average sums 8 channels per step in int16 lanes (SXTB16, SADD16), so the window is at
 * most 256 taps (|sum| <= 128 * 256 fits int16).
 */
#ifndef MF_OPT_KERNEL_POOLING_DSP_H
#define MF_OPT_KERNEL_POOLING_DSP_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    mf_dims input, output;         /* output.c == input.c */
    int32_t stride_h, stride_w, filter_h, filter_w;
    int32_t pad_h, pad_w;
    int32_t act_min, act_max;
    int32_t count_min;             /* the smallest window count (average) */
    const int32_t *recip;          /* average: ceil(2^32 / d) as uint32 bits, d from count_min;
                                      max: NULL */
} mf_opt_pool2d_dsp_params;

mf_status mf_opt_avg_pool2d_dsp_s8(const mf_opt_pool2d_dsp_params *p, const int8_t *input,
                                   int8_t *output);
mf_status mf_opt_max_pool2d_dsp_s8(const mf_opt_pool2d_dsp_params *p, const int8_t *input,
                                   int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_OPT_KERNEL_POOLING_DSP_H */
