/*
 * mcuforge kernel: PRELU, int8, with a constant alpha.
 * The params struct is mirrored field for field by mcuforge.compile.ops.prelu;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_PRELU_H
#define MF_KERNEL_PRELU_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PRELU int8 (TFLite-Micro's arithmetic), for each output element with its input x and alpha a:
 *   v = x + input_offset
 *   y = v requantized by (positive_multiplier, positive_shift)                    if v >= 0
 *       (v * (a + alpha_offset)) requantized by (negative_multiplier, negative_shift)  if v < 0
 *   output = clamp(y + output_offset, -128, 127)
 * Requantization as in mcuforge_kernels.h (double rounding; a left shift that leaves int32
 * wraps, as TFLite-Micro's does). The positive multiplier is input_scale / output_scale, the
 * negative one input_scale * alpha_scale / output_scale.
 * Shapes: output [output_dims] (rank 1..MF_MAX_DIMS, contiguous); the input is read at
 * sum_d index_d * input_strides[d] and alpha (a constant, row-major over its own shape) at
 * sum_d index_d * alpha_strides[d]; a stride of 0 repeats that operand along dimension d
 * (numpy broadcasting; the generator merges dimensions and computes the strides).
 * Ranges: offsets in [-127, 128] (input, alpha) and [-128, 127] (output); multipliers in
 * [2^30, 2^31) or 0; shifts in [-31, 30]. |v| <= 255 and |a + alpha_offset| <= 255, so
 * |v * (a + alpha_offset)| <= 65025: the product cannot overflow. */
typedef struct {
    int32_t rank;
    int32_t output_dims[MF_MAX_DIMS];
    int32_t input_strides[MF_MAX_DIMS];
    int32_t alpha_strides[MF_MAX_DIMS];
    int32_t input_offset, alpha_offset, output_offset;
    int32_t positive_multiplier, positive_shift;
    int32_t negative_multiplier, negative_shift;
    const int8_t *alpha;
} mf_prelu_params;

mf_status mf_prelu_s8(const mf_prelu_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_PRELU_H */
