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

/* 16-byte alignment of the generated weight arrays and the arena (wide loads, cache lines).
 * Predefine MF_ALIGN16 for a compiler without GNU attributes. */
#ifndef MF_ALIGN16
#if defined(__GNUC__) || defined(__clang__) || defined(__ARMCC_VERSION)
#define MF_ALIGN16 __attribute__((aligned(16)))
#else
#error "define MF_ALIGN16 to this compiler's 16-byte alignment attribute"
#endif
#endif
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

/* ---- element-wise, data movement and reduction ops ----
 * These ops take tensors of up to MF_MAX_DIMS dimensions. The generator first merges
 * neighbouring dimensions that the op treats alike (e.g. the H, W and C of a same-shape ADD
 * become one dimension, the H and W of a global mean become one) and drops dimensions of
 * extent 1, so the kernels see the fewest dimensions that describe the operation; extents and
 * strides are in elements (bytes, for int8), row-major, the last dimension innermost. */
#define MF_MAX_DIMS 6

/* ADD int8, with TFLite's two-input rescaling (left_shift = 20):
 *   a_i = ((x_i + input_i_offset) * 2^left_shift) requantized by (input_i_multiplier,
 *         input_i_shift), i = 1, 2   (each a_i is x_i's real value in units of
 *                                     2 * max(scale_1, scale_2) / 2^left_shift)
 *   y   = clamp((a_1 + a_2) requantized by (output_multiplier, output_shift) + output_offset,
 *               act_min, act_max)
 * Requantization as in the file comment; here every shift is <= 0 (multipliers below one).
 * Shapes: output [output_dims] (rank 1..MF_MAX_DIMS, contiguous); input i is read at
 * sum_d index_d * input_i_strides[d], a stride of 0 repeating (broadcasting) that input
 * along dimension d. Broadcasting follows numpy's rules, the generator computes the strides.
 * Ranges: input offsets in [-127, 128]; left_shift in [0, 20]; the shifted values are
 * |x + offset| * 2^20 <= 255 * 2^20 < 2^28, each a_i is at most that (multipliers < 1), so
 * a_1 + a_2 < 2^29 and nothing can overflow. input and output may be the same buffer only
 * when they have the same shape (the generator never does that). */
typedef struct {
    int32_t rank;
    int32_t output_dims[MF_MAX_DIMS];
    int32_t input1_strides[MF_MAX_DIMS];
    int32_t input2_strides[MF_MAX_DIMS];
    int32_t input1_offset, input2_offset;
    int32_t left_shift;
    int32_t input1_multiplier, input1_shift;
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t output_offset;
    int32_t act_min, act_max;
} mf_add_params;

mf_status mf_add_s8(const mf_add_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* PAD and PADV2 int8 (constant padding; input and output share scale and zero point, values
 * are copied as they are).
 * input [input_dims] (rank 1..MF_MAX_DIMS); output dimension d has
 * pad_before[d] + input_dims[d] + pad_after[d] values (paddings >= 0). Every output value
 * outside the copied input block is pad_value (in [-128, 127]): the output zero point for PAD
 * (a real 0), the quantized constant for PADV2. */
typedef struct {
    int32_t rank;
    int32_t input_dims[MF_MAX_DIMS];
    int32_t pad_before[MF_MAX_DIMS];
    int32_t pad_after[MF_MAX_DIMS];
    int32_t pad_value;
} mf_pad_params;

mf_status mf_pad_s8(const mf_pad_params *p, const int8_t *input, int8_t *output);

/* MEAN int8 over any set of axes (e.g. H and W: global average pooling).
 * input [input_dims] (rank 1..MF_MAX_DIMS); dimensions with reduced[d] != 0 are averaged over,
 * the others are kept, in order, as the output (keep_dims only changes the output's shape, not
 * its layout). count = product of the reduced extents, the number of values per mean.
 * Per output: y = clamp((sum + sum_offset) requantized by (multiplier, shift) + output_offset,
 *                       -128, 127)
 * with sum the int32 sum of the count input values and sum_offset = -input_zero_point * count;
 * multiplier/shift fold input_scale / output_scale and 1 / count (as TFLite-Micro does:
 * the multiplier need not be normalised to [2^30, 2^31) here, shift in [-31, 30]).
 * The generator keeps count <= 2^23, so |sum + sum_offset| <= 255 * count < 2^31. */
typedef struct {
    int32_t rank;
    int32_t input_dims[MF_MAX_DIMS];
    int32_t reduced[MF_MAX_DIMS];
    int32_t count;
    int32_t sum_offset;
    int32_t multiplier, shift;
    int32_t output_offset;
} mf_mean_params;

mf_status mf_mean_s8(const mf_mean_params *p, const int8_t *input, int8_t *output);

/* CONCATENATION int8 along one axis; every input shares the output's scale and zero point
 * (TFLite-Micro accepts nothing else for int8), so values are copied as they are.
 * Called as mf_concatenation_s8(&params, input_0, ..., input_{num_inputs-1}, output): the
 * num_inputs input pointers (const int8_t *) then the output pointer (int8_t *).
 * With outer = product of the extents before the axis, the output is outer blocks, each the
 * concatenation of input i's next input_sizes[i] values (its extent along the axis times the
 * product of the extents after it), i = 0 .. num_inputs - 1. */
#define MF_CONCATENATION_MAX_INPUTS 10

typedef struct {
    int32_t num_inputs;            /* 1 .. MF_CONCATENATION_MAX_INPUTS */
    int32_t outer;
    int32_t input_sizes[MF_CONCATENATION_MAX_INPUTS];
} mf_concatenation_params;

mf_status mf_concatenation_s8(const mf_concatenation_params *p, ...);

#ifdef __cplusplus
}
#endif

#endif /* MCUFORGE_KERNELS_H */
