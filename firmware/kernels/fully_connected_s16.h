/*
 * mcuforge kernel: FULLY_CONNECTED, int16 activations with int8 weights (TFLite "16x8").
 * The params struct is mirrored field for field by mcuforge.compile.ops.fully_connected;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_FULLY_CONNECTED_S16_H
#define MF_KERNEL_FULLY_CONNECTED_S16_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* FULLY_CONNECTED int16 x int8.
 * input [batches, accum_depth] int16; weights [output_depth, accum_depth] int8 (one row per
 * output unit); bias [output_depth] or NULL; output [batches, output_depth] int16.
 * multiplier/shift have output_depth entries when per_channel != 0, else one entry.
 * acc64 selects TFLite-Micro's accumulator: 1 (an int64 bias, or none) sums in 64 bits and
 * requantizes with mf_multiply_by_quantized_multiplier64; 0 (an int32 bias) sums in 32 bits and
 * requantizes as the int8 kernels do. The bias is stored as int64 either way (an int32 bias
 * widened: same values). filter_offset (-weights zero point) is only nonzero for per-tensor
 * weights, as in the int8 kernel; input_offset/output_offset are -/+ the activation zero points
 * (0 for the converter's symmetric int16 activations). */
typedef struct {
    int32_t batches, accum_depth, output_depth;
    int32_t input_offset, filter_offset, output_offset;
    int32_t act_min, act_max;
    int32_t per_channel;
    int32_t acc64;
    const int8_t *filter_data;
    const int64_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
} mf_fully_connected_s16_params;

mf_status mf_fully_connected_s16(const mf_fully_connected_s16_params *p, const int16_t *input,
                                 int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_FULLY_CONNECTED_S16_H */
