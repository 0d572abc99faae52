/*
 * mcuforge kernel: SPACE_TO_BATCH_ND, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.space_to_batch_nd;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SPACE_TO_BATCH_ND_H
#define MF_KERNEL_SPACE_TO_BATCH_ND_H

#include "mcuforge_kernels.h"
#include "strided_copy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SPACE_TO_BATCH_ND int8, NHWC (or NHC), constant block shape [bh, bw], no padding (see
 * mcuforge.compile.ops.space_to_batch_nd): output batch (i * bw + j) * N + n, pixel (y, x) is
 * input pixel (n, y * bh + i, x * bw + j). The generator writes the output as
 * [bh, bw, N, H / bh, W / bw, C], each index a strided read of the input (copy.input_offset 0);
 * merged as strided_copy.h says. Values are copied as they are. */
typedef struct {
    mf_strided_copy_params copy;
} mf_space_to_batch_nd_params;

mf_status mf_space_to_batch_nd_s8(const mf_space_to_batch_nd_params *p, const int8_t *input,
                                  int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SPACE_TO_BATCH_ND_H */
