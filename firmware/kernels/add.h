/*
 * mcuforge kernel: ADD, int8 and int16.
 * The params struct is mirrored field for field by mcuforge.compile.ops.add;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_ADD_H
#define MF_KERNEL_ADD_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

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
/* ADD of two int16 tensors (16x8 models): the same arithmetic with left_shift 15 (<= 15),
 * zero points 0 (offsets 0, required by the generator), act_min/act_max in the int16 range. */
mf_status mf_add_s16(const mf_add_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_ADD_H */
