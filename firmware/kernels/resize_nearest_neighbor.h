/*
 * mcuforge kernel: RESIZE_NEAREST_NEIGHBOR, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.resize_nearest_neighbor;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_RESIZE_NEAREST_NEIGHBOR_H
#define MF_KERNEL_RESIZE_NEAREST_NEIGHBOR_H

#include "mcuforge_kernels.h"
#include "pixel_gather.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RESIZE_NEAREST_NEIGHBOR int8, NHWC, constant size: output pixel (b, y, x) is input pixel
 * (b, in_y(y), in_x(x)), the source row and column chosen at generation time exactly as
 * TFLite-Micro chooses them (float32 scale, align_corners, half_pixel_centers). gather: groups
 * 1, gather.row_offsets[y] = in_y(y) * input width * depth, gather.col_offsets[x] =
 * in_x(x) * depth (pixel_gather.h). Values are copied as they are. */
typedef struct {
    mf_pixel_gather_params gather;
} mf_resize_nearest_neighbor_params;

mf_status mf_resize_nearest_neighbor_s8(const mf_resize_nearest_neighbor_params *p,
                                        const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_RESIZE_NEAREST_NEIGHBOR_H */
