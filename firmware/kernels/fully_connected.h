/*
 * mcuforge kernel: FULLY_CONNECTED, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.fully_connected;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_FULLY_CONNECTED_H
#define MF_KERNEL_FULLY_CONNECTED_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* FULLY_CONNECTED int8.
 * input [batches, accum_depth]; weights [output_depth, accum_depth] (one row per output unit);
 * bias [output_depth] or NULL; output [batches, output_depth].
 * multiplier/shift have output_depth entries when per_channel != 0, else one entry.
 * filter_offset (-weights zero point, in [-127, 128]) is only nonzero for per-tensor weights:
 * TFLite-Micro's per-channel kernel has no weights offset, and the generator requires 0 there. */
typedef struct {
    int32_t batches, accum_depth, output_depth;
    int32_t input_offset, filter_offset, output_offset;
    int32_t act_min, act_max;
    int32_t per_channel;
    const int8_t *filter_data;
    const int32_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
} mf_fully_connected_params;

mf_status mf_fully_connected_s8(const mf_fully_connected_params *p, const int8_t *input,
                                int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_FULLY_CONNECTED_H */
