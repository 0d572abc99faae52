/*
 * mcuforge int8 kernels: declarations and parameter structs.
 *
 * Conventions shared by every kernel (the TFLite int8 quantization scheme):
 *   - real = scale * (q - zero_point); activations are int8, NHWC, batch first.
 *   - All quantization arithmetic that depends only on the model (multipliers, shifts, offsets,
 *     activation bounds) is done in Python at generation time and arrives here in the params.
 *   - input_offset  = -input_zero_point  (added to every input value before multiplying)
 *   - filter_offset = -filter_zero_point (0 for symmetric int8 weights)
 *   - output_offset = +output_zero_point (added after requantization)
 *   - Requantization of an int32 accumulator `acc` with (multiplier m, shift s):
 *       m in [2^30, 2^31) or 0; s in [-31, 30]; s > 0 shifts left before the multiply.
 *       y = rounding_divide_by_pot(saturating_rounding_doubling_high_mul(acc << max(s,0), m),
 *                                  max(-s,0))
 *     (double rounding, as TFLite-Micro's reference kernels and CMSIS-NN).
 *   - act_min/act_max are the fused activation bounds already in the output's quantized domain,
 *     within [-128, 127].
 *   - Pointers to constant data (filters, biases, multipliers, shifts) live in the params; the
 *     arena pointers are arguments. Kernels never allocate and never touch memory outside the
 *     extents their params describe.
 *   - Kernels return MF_OK; checks that depend only on the model were done at generation time.
 *   - Accumulators are int32: the generator bounds sum(|w + filter_offset|) * max|x + input_offset|
 *     + |bias| below 2^31 for every output channel, using the actual weights, so no partial sum
 *     can overflow for any input (a bias-free layer of at most 65,792 taps always passes:
 *     255 * 128 * 65,792 < 2^31).
 *   - The fixed-point helpers are in firmware/kernels/mf_fixedpoint.h; their Python side is
 *     pipeline/compile/quant.py, and tests/test_kernels.py::test_sign_conventions fails if the
 *     offset or shift conventions above get flipped on either side.
 */
#ifndef MCUFORGE_KERNELS_H
#define MCUFORGE_KERNELS_H

#include <stddef.h>   /* NULL, for an absent bias */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MF_OK = 0,
    MF_ERROR_ARGUMENT = 1,   /* a params value outside the documented range */
} mf_status;

/* Extents of an NHWC tensor (or OHWI filter: n = output channels, c = input channels). */
typedef struct {
    int32_t n, h, w, c;
} mf_dims;

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

/* FULLY_CONNECTED int8.
 * input [batches, accum_depth]; weights [output_depth, accum_depth] (one row per output unit);
 * bias [output_depth] or NULL; output [batches, output_depth].
 * multiplier/shift have output_depth entries when per_channel != 0, else one entry.
 * filter_offset (-weights zero point, in [-127, 128]) is only nonzero for per-tensor weights:
 * TFLite-Micro's per-channel kernel has no weights offset, and the generator requires 0 there. */
typedef struct {
    int32_t batches, accum_depth, output_depth;
    int32_t input_offset, filter_offset, output_offset;
    int32_t act_min, act_max;
    int32_t per_channel;
    const int8_t *filter_data;
    const int32_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
} mf_fully_connected_params;

mf_status mf_fully_connected_s8(const mf_fully_connected_params *p, const int8_t *input,
                                int8_t *output);

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

/* SOFTMAX int8 -> int8 (output scale 1/256, zero point -128), over the last dimension:
 * input and output are [rows, depth] (all leading dimensions flattened into rows).
 * input_multiplier (Q0.31, in [2^30, 2^31)) and input_left_shift (in [0, 31]) scale the
 * difference x - max(row), an integer in [-255, 0], by beta * input_scale * 2^26 into a Q5.26
 * value; differences below diff_min (<= 0) contribute nothing and output -128. diff_min keeps
 * |x - max| * 2^input_left_shift <= 31 * 2^26, so the shifted difference fits in int32.
 * 1 <= depth <= 4095, so the Q12.19 sum of the row's exponentials (each <= 1) stays below 2^31. */
typedef struct {
    int32_t rows, depth;
    int32_t input_multiplier, input_left_shift, diff_min;
} mf_softmax_params;

mf_status mf_softmax_s8(const mf_softmax_params *p, const int8_t *input, int8_t *output);

/* RESHAPE (and any other op that only copies bytes). */
typedef struct {
    int32_t size;                  /* bytes */
} mf_copy_params;

mf_status mf_copy_s8(const mf_copy_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MCUFORGE_KERNELS_H */
