/*
 * mcuforge kernel: MEAN, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.mean;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_MEAN_H
#define MF_KERNEL_MEAN_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MEAN int8 over any set of axes (e.g. H and W: global average pooling).
 * input [input_dims] (rank 1..MF_MAX_DIMS); dimensions with reduced[d] != 0 are averaged over,
 * the others are kept, in order, as the output (keep_dims only changes the output's shape, not
 * its layout). count = product of the reduced extents, the number of values per mean.
 * Per output: y = clamp((sum + sum_offset) requantized by (multiplier, shift) + output_offset,
 *                       -128, 127)
 * with sum the int32 sum of the count input values and sum_offset = -input_zero_point * count;
 * multiplier/shift fold input_scale / output_scale and 1 / count (as TFLite-Micro does:
 * the multiplier need not be normalised to [2^30, 2^31) here, shift in [-31, 30]).
 * The generator keeps count <= 2^23, so |sum + sum_offset| <= 255 * count < 2^31. */
typedef struct {
    int32_t rank;
    int32_t input_dims[MF_MAX_DIMS];
    int32_t reduced[MF_MAX_DIMS];
    int32_t count;
    int32_t sum_offset;
    int32_t multiplier, shift;
    int32_t output_offset;
} mf_mean_params;

mf_status mf_mean_s8(const mf_mean_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_MEAN_H */
