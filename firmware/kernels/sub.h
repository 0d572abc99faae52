/*
 * mcuforge kernel: SUB, int8 and int16.
 * The params struct is mirrored field for field by mcuforge.compile.ops.sub;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SUB_H
#define MF_KERNEL_SUB_H

#include "mcuforge_kernels.h"
#include "mf_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SUB int8 (input1 - input2) with TFLite's two-input rescaling (left_shift = 20), as ADD:
 *   a_i = ((x_i + input_i_offset) * 2^left_shift) requantized by (input_i_multiplier,
 *         input_i_shift), i = 1, 2   (x_i's real value in units of
 *                                     2 * max(scale_1, scale_2) / 2^left_shift)
 *   y   = clamp((a_1 - a_2) requantized by (output_multiplier, output_shift) + output_offset,
 *               act_min, act_max)
 * Requantization as in mcuforge_kernels.h; here every shift is <= 0 (multipliers below one).
 * Shapes and the constant operand: `broadcast` (mf_broadcast.h).
 * Ranges: input offsets in [-127, 128]; left_shift in [0, 20]; the shifted values are
 * |x + offset| * 2^20 <= 255 * 2^20 < 2^28 and each a_i is at most that (multipliers < 1), so
 * |a_1 - a_2| < 2^29 and nothing can overflow. act_min <= act_max, both in [-128, 127]. */
typedef struct {
    mf_broadcast_params broadcast;
    int32_t input1_offset, input2_offset;
    int32_t left_shift;
    int32_t input1_multiplier, input1_shift;
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t output_offset;
    int32_t act_min, act_max;
} mf_sub_params;

/* Both operands in the arena (broadcast.constant_input == 0). */
mf_status mf_sub_s8(const mf_sub_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);
/* One operand is broadcast.constant; `input` is the other one. */
mf_status mf_sub_const_s8(const mf_sub_params *p, const int8_t *input, int8_t *output);
/* SUB of two int16 tensors in the arena (16x8 models): the same arithmetic with left_shift 15
 * (<= 15), zero points 0 (offsets 0), act_min/act_max in the int16 range. */
mf_status mf_sub_s16(const mf_sub_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SUB_H */
