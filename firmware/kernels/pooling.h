/*
 * mcuforge kernel: AVERAGE_POOL_2D and MAX_POOL_2D, int8 and int16.
 * The params struct is mirrored field for field by mcuforge.compile.ops.pooling;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_POOLING_H
#define MF_KERNEL_POOLING_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* AVERAGE_POOL_2D and MAX_POOL_2D int8; input and output share scale and zero point.
 * Average: mean over the in-bounds part of the window, rounded half away from zero, then clamped. */
typedef struct {
    mf_dims input, output;         /* output.c == input.c */
    int32_t stride_h, stride_w, filter_h, filter_w;
    int32_t pad_h, pad_w;
    int32_t act_min, act_max;
} mf_pool2d_params;

mf_status mf_avg_pool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output);
mf_status mf_max_pool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output);
/* The same on int16 values (16x8 models); act_min/act_max in the int16 range, windows of at
 * most 65535 taps (the int32 sum of an average). */
mf_status mf_avg_pool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output);
mf_status mf_max_pool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_POOLING_H */
