/*
 * mcuforge kernel: SPACE_TO_DEPTH, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.space_to_depth;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SPACE_TO_DEPTH_H
#define MF_KERNEL_SPACE_TO_DEPTH_H

#include "mcuforge_kernels.h"
#include "strided_copy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SPACE_TO_DEPTH int8, NHWC, block size b:
 *   output[n, h, w, (i * b + j) * C + c] = input[n, h * b + i, w * b + j, c]
 * with C the input depth. The generator writes the output as [N, H / b, W / b, b, b, C], each
 * index a strided read of the input (copy.input_offset 0); merged as strided_copy.h says.
 * Values are copied as they are. */
typedef struct {
    mf_strided_copy_params copy;
} mf_space_to_depth_params;

mf_status mf_space_to_depth_s8(const mf_space_to_depth_params *p, const int8_t *input,
                               int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SPACE_TO_DEPTH_H */
