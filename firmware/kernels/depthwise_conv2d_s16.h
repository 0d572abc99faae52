/*
 * mcuforge kernel: DEPTHWISE_CONV_2D, int16 activations with int8 weights (TFLite "16x8").
 * The params struct is mirrored field for field by mcuforge.compile.ops.depthwise_conv2d;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_DEPTHWISE_CONV2D_S16_H
#define MF_KERNEL_DEPTHWISE_CONV2D_S16_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* DEPTHWISE_CONV_2D, per-channel int16 x int8.
 * input [n, h, w, c_in] int16; filter [1, fh, fw, c_in * depth_multiplier] int8; bias
 * [c_out] int64 or NULL; output [n, oh, ow, c_out] int16; output channel oc reads input channel
 * oc / depth_multiplier. Padding, strides and dilations as in mf_depthwise_conv2d_s8. The
 * activations' zero points are 0 (required by the generator): no offsets. TFLite-Micro always
 * accumulates in 64 bits here and requantizes with mf_multiply_by_quantized_multiplier64. */
typedef struct {
    mf_dims input, filter, output;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    int32_t depth_multiplier;
    int32_t act_min, act_max;
    const int8_t *filter_data;
    const int64_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
} mf_depthwise_conv2d_s16_params;

mf_status mf_depthwise_conv2d_s16(const mf_depthwise_conv2d_s16_params *p, const int16_t *input,
                                  int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_DEPTHWISE_CONV2D_S16_H */
