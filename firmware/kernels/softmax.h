/*
 * mcuforge kernel: SOFTMAX, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.softmax;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SOFTMAX_H
#define MF_KERNEL_SOFTMAX_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SOFTMAX_H */
