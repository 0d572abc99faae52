/*
 * mcuforge kernel: CONV_2D, int16 activations with int8 weights (TFLite "16x8").
 * The params struct is mirrored field for field by mcuforge.compile.ops.conv2d;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_CONV2D_S16_H
#define MF_KERNEL_CONV2D_S16_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CONV_2D, per-channel int16 x int8.
 * input [n, h, w, c_in] int16; filter [c_out, fh, fw, c_f] int8 (OHWI); bias [c_out] or NULL;
 * output [n, oh, ow, c_out] int16. Shapes, grouping, padding, strides and dilations as in
 * mf_conv2d_s8 (conv2d.h). The activations' zero points are 0 (the generator requires it), so
 * there are no offsets. multiplier/shift have c_out entries.
 * acc64 selects TFLite-Micro's accumulator: 1 (an int64 bias, or none) sums in 64 bits and
 * requantizes with mf_multiply_by_quantized_multiplier64; 0 (an int32 bias) sums in 32 bits and
 * requantizes as the int8 kernels do. The bias is stored widened to int64 either way. */
typedef struct {
    mf_dims input, filter, output;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_h, pad_w;          /* top and left padding; bottom/right implied by the output */
    int32_t act_min, act_max;
    int32_t acc64;
    const int8_t *filter_data;
    const int64_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
} mf_conv2d_s16_params;

mf_status mf_conv2d_s16(const mf_conv2d_s16_params *p, const int16_t *input, int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_CONV2D_S16_H */
