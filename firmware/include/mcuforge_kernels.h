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
 */
#ifndef MCUFORGE_KERNELS_H
#define MCUFORGE_KERNELS_H

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
 * input [n, h, w, c_in] int8; filter [c_out, fh, fw, c_in] int8 (OHWI); bias [c_out] int32 or NULL;
 * output [n, oh, ow, c_out] int8. multiplier/shift have c_out entries.
 * Accumulator: sum over fh*fw*c_in of (x + input_offset) * w with |x + input_offset| <= 255 and
 * |w| <= 128, so |acc| <= 32640 * fh*fw*c_in: fits int32 while fh*fw*c_in < 65,793 (checked at
 * generation time). */
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
 * multiplier/shift have output_depth entries when per_channel != 0, else one entry. */
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

/* SOFTMAX int8 -> int8 (output scale 1/256, zero point -128), over the last dimension.
 * input_multiplier/input_left_shift scale (x - max) by beta * input_scale into a Q5.26 value;
 * differences below diff_min (<= 0) contribute nothing and output -128. */
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
