/*
 * mcuforge kernel: SQUARED_DIFFERENCE, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.squared_difference;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SQUARED_DIFFERENCE_H
#define MF_KERNEL_SQUARED_DIFFERENCE_H

#include "mcuforge_kernels.h"
#include "mf_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SQUARED_DIFFERENCE int8, (input1 - input2)^2, with TFLite-Micro's rescaling (left_shift 7):
 *   a_i = ((x_i + input_i_offset) * 2^left_shift) requantized by (input_i_multiplier,
 *         input_i_shift), i = 1, 2   (x_i's real value in units of
 *                                     2 * max(scale_1, scale_2) / 2^left_shift)
 *   y   = clamp((a_1 - a_2)^2 requantized by (output_multiplier, output_shift)
 *               + output_offset, -128, 127)
 * Requantization as in mcuforge_kernels.h: the input shifts are <= 0 (multipliers <= 1/2),
 * output_shift is in [-31, 30] and may be > 0 (a left shift).
 * Shapes and the constant operand: `broadcast` (mf_broadcast.h).
 * Ranges: input offsets in [-127, 128]; left_shift in [0, 7], so |x + offset| * 2^7 <= 32,640
 * and |a_i| <= 16,320; |a_1 - a_2| <= 32,640 and its square is below 2^30. The generator keeps
 * that square times 2^max(output_shift, 0), plus 128, below 2^31 (it rejects finer output
 * scales), so neither the left shift nor adding output_offset can overflow. */
typedef struct {
    mf_broadcast_params broadcast;
    int32_t input1_offset, input2_offset;
    int32_t left_shift;
    int32_t input1_multiplier, input1_shift;
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t output_offset;
} mf_squared_difference_params;

/* Both operands in the arena (broadcast.constant_input == 0). */
mf_status mf_squared_difference_s8(const mf_squared_difference_params *p, const int8_t *input1,
                                   const int8_t *input2, int8_t *output);
/* One operand is broadcast.constant; `input` is the other one. */
mf_status mf_squared_difference_const_s8(const mf_squared_difference_params *p,
                                         const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SQUARED_DIFFERENCE_H */
