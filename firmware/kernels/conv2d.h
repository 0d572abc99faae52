/*
 * mcuforge kernel: CONV_2D, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.conv2d;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_CONV2D_H
#define MF_KERNEL_CONV2D_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CONV_2D, per-channel int8.
 * input [n, h, w, c_in] int8; filter [c_out, fh, fw, c_f] int8 (OHWI; filter dims n = c_out,
 * c = c_f); bias [c_out] int32 or NULL; output [n, oh, ow, c_out] int8. multiplier/shift have c_out
 * entries (a per-tensor filter scale is broadcast by the generator).
 * c_f == c_in is the usual convolution; c_f < c_in (c_in = groups * c_f, c_out a multiple of
 * groups) is a grouped convolution where output channel oc reads input channels
 * [g * c_f, (g + 1) * c_f) with g = oc / (c_out / groups).
 * Padding: input pixels outside [0, h) x [0, w) contribute nothing (zero in the real domain).
 * Strides and dilations >= 1. */
typedef struct {
    mf_dims input, filter, output;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_h, pad_w;          /* top and left padding; bottom/right implied by the output */
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int8_t *filter_data;
    const int32_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
} mf_conv2d_params;

mf_status mf_conv2d_s8(const mf_conv2d_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_CONV2D_H */
