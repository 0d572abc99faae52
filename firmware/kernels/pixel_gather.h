/*
 * mcuforge kernel core: a pixel gather, int8 (any value type of one byte), NHWC.
 * Not called by generated code directly: RESIZE_NEAREST_NEIGHBOR and BATCH_TO_SPACE_ND nest
 * this struct in their own params and call mf_pixel_gather_s8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.pixel_gather;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_PIXEL_GATHER_H
#define MF_KERNEL_PIXEL_GATHER_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Output pixels copied from input pixels chosen by two constant tables, one entry per output
 * row and one per output column (a pixel is `depth` contiguous values).
 * The output is [batches, output_height, output_width, depth]; output pixel (b, y, x) is
 *     input[b * input_batch_stride + row_offsets[y] + col_offsets[x] + 0 .. depth - 1]
 * Row offsets are input rows times the input's row length, column offsets input columns
 * times depth, both computed at generation time: a nearest-neighbour resize, or a
 * batch-to-space (whose offsets also select the input batch of each output pixel).
 * Ranges (checked at generation time): every extent >= 1; every offset >= 0 and
 * (batches - 1) * input_batch_stride + max(row_offsets) + max(col_offsets) + depth <= the
 * number of input values < 2^31. input and output never overlap. */
typedef struct {
    int32_t batches;
    int32_t output_height;
    int32_t output_width;
    int32_t depth;
    int32_t input_batch_stride;
    const int32_t *row_offsets;    /* output_height values */
    const int32_t *col_offsets;    /* output_width values */
} mf_pixel_gather_params;

mf_status mf_pixel_gather_s8(const mf_pixel_gather_params *p, const int8_t *input,
                             int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_PIXEL_GATHER_H */
