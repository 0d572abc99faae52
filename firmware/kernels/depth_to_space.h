/*
 * mcuforge kernel: DEPTH_TO_SPACE, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.depth_to_space;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_DEPTH_TO_SPACE_H
#define MF_KERNEL_DEPTH_TO_SPACE_H

#include "mcuforge_kernels.h"
#include "strided_copy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* DEPTH_TO_SPACE int8, NHWC, block size b (TFLite's DCR order):
 *   output[n, h * b + i, w * b + j, c] = input[n, h, w, (i * b + j) * C + c]
 * with C the output depth. The generator writes the output as [N, H, b, W, b, C], each index a
 * strided read of the input (copy.input_offset 0); merged as strided_copy.h says (with b * C
 * contiguous channels per output pixel row segment). Values are copied as they are. */
typedef struct {
    mf_strided_copy_params copy;
} mf_depth_to_space_params;

mf_status mf_depth_to_space_s8(const mf_depth_to_space_params *p, const int8_t *input,
                               int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_DEPTH_TO_SPACE_H */
