/*
 * mcuforge kernel core: a strided copy, int8 (any value type of one byte).
 * Not called by generated code directly: TRANSPOSE, STRIDED_SLICE, SLICE, DEPTH_TO_SPACE,
 * SPACE_TO_DEPTH and SPACE_TO_BATCH_ND nest this struct in their own params and call
 * mf_strided_copy_s8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.strided_copy;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_STRIDED_COPY_H
#define MF_KERNEL_STRIDED_COPY_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A strided view of the input, copied to a contiguous output.
 * output [output_dims] (rank 1..MF_MAX_DIMS, row-major, every extent >= 1) gets
 *     output[i_0, ..., i_{rank-1}] = input[input_offset + sum_d i_d * input_strides[d]]
 * Strides are in elements and may be negative (a reversed or backwards-sliced dimension) or 0.
 * The generator merges dimensions first (extent 1 dropped; a dimension folded into the one
 * before it where the input walks both as one run), so a transpose, a slice or a
 * depth-to-space reaches the kernel as the fewest dimensions that describe it.
 * Ranges (checked at generation time): every index above lies in [0, number of input
 * values); |input_offset| + sum_d output_dims[d] * |input_strides[d]| < 2^31, which bounds
 * every running offset of the kernel (including the one step past the end of a dimension
 * before it rewinds), so no int32 sum overflows. input and output never overlap. */
typedef struct {
    int32_t rank;
    int32_t output_dims[MF_MAX_DIMS];
    int32_t input_strides[MF_MAX_DIMS];
    int32_t input_offset;
} mf_strided_copy_params;

mf_status mf_strided_copy_s8(const mf_strided_copy_params *p, const int8_t *input,
                             int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_STRIDED_COPY_H */
