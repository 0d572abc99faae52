/*
 * mcuforge kernel: MUL, int8 and int16.
 * The params struct is mirrored field for field by mcuforge.compile.ops.mul;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_MUL_H
#define MF_KERNEL_MUL_H

#include "mcuforge_kernels.h"
#include "mf_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MUL int8 with numpy broadcasting (TFLite-Micro's reference MUL):
 *   y = clamp(((x1 + input1_offset) * (x2 + input2_offset)) requantized by
 *             (output_multiplier, output_shift) + output_offset, act_min, act_max)
 * with output_multiplier/output_shift from input1_scale * input2_scale / output_scale;
 * requantization as in mcuforge_kernels.h (shift in [-31, 30], > 0 a left shift).
 * Shapes and the constant operand: `broadcast` (mf_broadcast.h).
 * Ranges: input offsets in [-127, 128], so |x + offset| <= 255 and the product is at most
 * 65,025 in magnitude. The generator keeps that product times 2^max(output_shift, 0), plus 128,
 * below 2^31 (it rejects larger effective scales), so neither the left shift nor adding
 * output_offset can overflow. act_min <= act_max, both in [-128, 127]. */
typedef struct {
    mf_broadcast_params broadcast;
    int32_t input1_offset, input2_offset;
    int32_t output_multiplier, output_shift;
    int32_t output_offset;
    int32_t act_min, act_max;
} mf_mul_params;

/* Both operands in the arena (broadcast.constant_input == 0). */
mf_status mf_mul_s8(const mf_mul_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);
/* One operand is broadcast.constant; `input` is the other one. */
mf_status mf_mul_const_s8(const mf_mul_params *p, const int8_t *input, int8_t *output);
/* MUL of two int16 tensors in the arena (16x8 models): the same arithmetic, zero points 0,
 * act_min/act_max in the int16 range. */
mf_status mf_mul_s16(const mf_mul_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_MUL_H */
