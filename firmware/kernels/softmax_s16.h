/*
 * mcuforge kernel: SOFTMAX, int16 in and out (TFLite "16x8" models).
 * The params struct is mirrored field for field by mcuforge.compile.ops.softmax;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SOFTMAX_S16_H
#define MF_KERNEL_SOFTMAX_S16_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SOFTMAX over the last dimension of `rows` rows of `depth` int16 values (zero points 0; the
 * output scale is 1/32768, so outputs lie in [0, 32767]).
 * Each difference x - max (in [-65535, 0]) is requantized by input_multiplier/input_shift
 * (beta * input_scale / (10 / 65535)) to [-65535, 0] ~ [-10, 0], recentred to int16 and looked
 * up in exp_table; 1 / sum comes from reciprocal_table (1 / (1 + x) for x in [0, 1)). Both
 * tables have 513 int16 entries, read with linear interpolation on the low 7 bits of the index
 * value; the generator computes them. depth in 1 .. MF_SOFTMAX_MAX_DEPTH keeps the sum of exps
 * (each <= 32767) below 2^31. The output row doubles as scratch for the row's exps. */
typedef struct {
    int32_t rows;
    int32_t depth;
    int32_t input_multiplier;
    int32_t input_shift;
    const int16_t *exp_table;
    const int16_t *reciprocal_table;
} mf_softmax_s16_params;

mf_status mf_softmax_s16(const mf_softmax_s16_params *p, const int16_t *input, int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SOFTMAX_S16_H */
