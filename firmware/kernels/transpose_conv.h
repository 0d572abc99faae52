/*
 * mcuforge kernel: TRANSPOSE_CONV, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.transpose_conv;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_TRANSPOSE_CONV_H
#define MF_KERNEL_TRANSPOSE_CONV_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TRANSPOSE_CONV (a.k.a. deconvolution), per-channel int8.
 * input [n, h, w, c_in] int8; filter [c_out, fh, fw, c_in] int8 (OHWI, filter dims n = c_out,
 * c = c_in); bias [c_out] int32 or NULL; output [n, oh, ow, c_out] int8. multiplier/shift have
 * c_out entries (a per-tensor filter scale is broadcast by the generator).
 * Semantics: input pixel (iy, ix) times filter tap (ky, kx) adds to output pixel
 * (iy * stride_h - pad_h + ky, ix * stride_w - pad_w + kx) when that lies inside the output; the
 * kernel evaluates this as a gather over, for each output pixel, the taps ky with
 * (oy + pad_h - ky) a multiple of stride_h (and likewise for x) whose input pixel exists.
 * Any input size goes with any output size (the output size decides where the taps land).
 * Ranges: strides >= 1; pad_h, pad_w >= 0; input_offset in [-127, 128] (-zero point);
 * act_min <= act_max within [-128, 127].
 * No overflow: the generator bounded sum(|w|) * max|x + input_offset| + |bias| below 2^31 for
 * every output channel over all of its taps, and an output value sums a subset of them, each
 * at most once. */
typedef struct {
    mf_dims input, filter, output;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int8_t *filter_data;
    const int32_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
} mf_transpose_conv_params;

mf_status mf_transpose_conv_s8(const mf_transpose_conv_params *p, const int8_t *input,
                               int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_TRANSPOSE_CONV_H */
