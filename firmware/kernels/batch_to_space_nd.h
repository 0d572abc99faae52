/*
 * mcuforge kernel: BATCH_TO_SPACE_ND, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.batch_to_space_nd;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_BATCH_TO_SPACE_ND_H
#define MF_KERNEL_BATCH_TO_SPACE_ND_H

#include "mcuforge_kernels.h"
#include "pixel_gather.h"

#ifdef __cplusplus
extern "C" {
#endif

/* BATCH_TO_SPACE_ND int8, NHWC (or NHC), constant block shape [bh, bw] and crops: input batch
 * (i * bw + j) * N + n, pixel (h, w) becomes output pixel (n, h * bh + i - crop_top,
 * w * bw + j - crop_left). gather: groups 1, batches N, input_batch_stride one input batch;
 * gather.row_offsets[y] selects input batch block i and row h of output row y, and
 * gather.col_offsets[x] block j and column w of output column x (pixel_gather.h). Values are
 * copied as they are. */
typedef struct {
    mf_pixel_gather_params gather;
} mf_batch_to_space_nd_params;

mf_status mf_batch_to_space_nd_s8(const mf_batch_to_space_nd_params *p, const int8_t *input,
                                  int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_BATCH_TO_SPACE_ND_H */
