/*
 * mcuforge kernel: int16 LOGISTIC and TANH (16x8 models), TFLite-Micro's table method. Both ops
 * read the same 256 interpolation nodes, so they share this file (and the LSTM's gates call the
 * per-value functions).
 * The params struct is mirrored field for field by mcuforge.compile.ops.sigmoid_s16;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SIGMOID_S16_H
#define MF_KERNEL_SIGMOID_S16_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* table: 256 non-decreasing uint16 nodes near 65536 * sigmoid(k / 24), from 32768 up to at most
 * 65535 (from the generator, mcuforge.compile.sigmoid_table).
 *
 * Each input x (int16) is first scaled to the table's units: v = (x * multiplier + round) >>
 * right_shift (floor), round = 2^(right_shift - 1) or 0; the generator keeps multiplier in
 * [1, 65535] and right_shift in [0, 31] with |x * multiplier| + round < 2^31, so v fits int32 and
 * |v| <= 2^31 - 1. Then, for |v| = 2^9 k + f (sigmoid) or 2^8 k + f (tanh, as
 * tanh(y) = 2 sigmoid(2y) - 1), the nodes k and k + 1 are interpolated (k >= 255 saturates) and
 * the odd symmetry gives negative v. Outputs are Q0.15 (scale 2^-15, zero point 0): sigmoid in
 * [0, 32767], tanh in [-32767, 32767]. size >= 0 elements, any shape; in place is allowed. */
typedef struct {
    int32_t size;
    int32_t multiplier;
    int32_t right_shift;
    const uint16_t *table;
} mf_sigmoid_s16_params;

/* (x * multiplier + round) >> right_shift, under the ranges above. */
int32_t mf_sigmoid_s16_scale(int32_t x, int32_t multiplier, int32_t right_shift);
/* sigmoid and tanh of one scaled input v, |v| <= 2^31 - 1, in Q0.15. */
int32_t mf_sigmoid_s16_value(const uint16_t *table, int32_t v);
int32_t mf_tanh_s16_value(const uint16_t *table, int32_t v);

mf_status mf_logistic_s16(const mf_sigmoid_s16_params *p, const int16_t *input, int16_t *output);
mf_status mf_tanh_s16(const mf_sigmoid_s16_params *p, const int16_t *input, int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SIGMOID_S16_H */
