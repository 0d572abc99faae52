/*
 * mcuforge kernels: REDUCE_MAX, REDUCE_MIN and SUM, int8.
 * The params structs are mirrored field for field by mcuforge.compile.ops.reduce;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_REDUCE_H
#define MF_KERNEL_REDUCE_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The shape of a reduction over any set of axes: input [input_dims] (rank 1..MF_MAX_DIMS,
 * every extent >= 1); dimensions with reduced[d] != 0 are reduced, the others are kept, in
 * order, as the output (keep_dims only changes the output's shape, not its layout). The
 * generator merged neighbouring dimensions that are both kept or both reduced.
 * REDUCE_MAX / REDUCE_MIN: each output is the largest / smallest of the stored int8 values it
 * covers (the generator checked that input and output share one quantization). */
typedef struct {
    int32_t rank;
    int32_t input_dims[MF_MAX_DIMS];
    int32_t reduced[MF_MAX_DIMS];
} mf_reduce_params;

/* SUM int8: per output,
 *   y = clamp((sum + sum_offset) requantized by (multiplier, shift) + output_offset, -128, 127)
 * with sum the int32 sum of the count input values it covers (count = product of the reduced
 * extents), sum_offset = -input_zero_point * count, and (multiplier, shift) from
 * input_scale / output_scale (requantization as in mcuforge_kernels.h, shift in [-31, 30]).
 * Ranges: the generator keeps count <= 2^23, so |sum + sum_offset| <= 255 * count < 2^31, and
 * keeps that bound times 2^max(shift, 0), plus 128, below 2^31 (it rejects larger scale
 * ratios), so neither the left shift nor adding output_offset can overflow. */
typedef struct {
    mf_reduce_params reduce;
    int32_t count;
    int32_t sum_offset;
    int32_t multiplier, shift;
    int32_t output_offset;
} mf_sum_params;

mf_status mf_reduce_max_s8(const mf_reduce_params *p, const int8_t *input, int8_t *output);
mf_status mf_reduce_min_s8(const mf_reduce_params *p, const int8_t *input, int8_t *output);
mf_status mf_sum_s8(const mf_sum_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_REDUCE_H */
