/*
 * mcuforge kernel: DEPTHWISE_CONV_2D, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.depthwise_conv2d;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_DEPTHWISE_CONV2D_H
#define MF_KERNEL_DEPTHWISE_CONV2D_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* DEPTHWISE_CONV_2D, per-channel int8.
 * input [n, h, w, c_in]; filter [1, fh, fw, c_in * depth_multiplier]; bias [c_out] or NULL;
 * output [n, oh, ow, c_out] with c_out = c_in * depth_multiplier; output channel
 * oc = ic * depth_multiplier + m reads input channel ic. filter dims: n = 1, c = c_out. */
typedef struct {
    mf_dims input, filter, output;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_h, pad_w;
    int32_t depth_multiplier;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int8_t *filter_data;
    const int32_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
} mf_depthwise_conv2d_params;

mf_status mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_params *p, const int8_t *input,
                                 int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_DEPTHWISE_CONV2D_H */
