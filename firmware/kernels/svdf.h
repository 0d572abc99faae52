/*
 * mcuforge kernel: SVDF, int8 input and output with an int16 (or int8) activation state.
 * The params struct is mirrored field for field by mcuforge.compile.ops.svdf;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SVDF_H
#define MF_KERNEL_SVDF_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SVDF (singular value decomposition filter), as TFLite-Micro's integer reference.
 * input [batch, input_size] int8; output [batch, num_units] int8;
 * weights_feature [num_filters, input_size] int8; weights_time [num_filters, memory_size],
 * int16 (weights_time_s16, weights_time_s8 NULL) or int8 (the other way round): the state has
 * the same type; bias [num_units] int32 or NULL. num_filters = num_units * rank; filter
 * u * rank + r belongs to unit u.
 *
 * state: batch * num_filters * memory_size values of the state type, 2-byte aligned: the
 * variable tensor's persistent arena slot, which keeps its value from one call to the next and is
 * all zero before the first (static arena, <name>_reset()). Row (b, f) holds filter f's last memory_size feature values, oldest first:
 *   - int16: value s (s - state_zero_point is the real value over the state scale), stored as
 *     is; TFLite-Micro also starts int16 states at 0, whatever the zero point;
 *   - int8: stored as s - state_zero_point (wrapped to int8), so that the zeroed buffer is the
 *     state TFLite-Micro starts from (every value at the zero point).
 *
 * Per call, for each batch b:
 *   1. each row moves one place towards its start; the newest place gets
 *      clamp(requant(sum_c w_f[f][c] * (x[c] + input_offset), feature_*), state_min,
 *      state_max) + state_zero_point (wrapped to the state type, as TFLite-Micro's store);
 *   2. unit u: acc = bias[u] + sum_{r, j} w_t[f][j] * (state[f][j] - state_zero_point) with
 *      f = u * rank + r; output = clamp(requant(acc, output_*) + output_offset, -128, 127).
 * The sums wrap modulo 2^32 (TFLite-Micro's int32 sums overflow the same way for huge time
 * weights and states); every single product fits in int32 (|w_t| <= 2^15,
 * |s - zero point| <= 2^16 - 1). No fused activation (TFLite-Micro applies none here).
 * Ranges: multipliers in [2^30, 2^31) or 0, shifts in [-31, 30]; rank >= 1; memory_size >= 1;
 * state_min/state_max the limits of the state type. */
typedef struct {
    int32_t batch, input_size, num_filters, memory_size, rank, num_units;
    int32_t input_offset;
    int32_t feature_multiplier, feature_shift;
    int32_t state_min, state_max, state_zero_point;
    int32_t output_multiplier, output_shift, output_offset;
    const int8_t *weights_feature;
    const int16_t *weights_time_s16;
    const int8_t *weights_time_s8;
    const int32_t *bias;
    int8_t *state;                 /* see above: persistent, int16 or int8 values */
} mf_svdf_params;

mf_status mf_svdf_s8(const mf_svdf_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SVDF_H */
