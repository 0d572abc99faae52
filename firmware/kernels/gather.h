/*
 * mcuforge kernel: GATHER, int8, constant indices.
 * The params struct is mirrored field for field by mcuforge.compile.ops.gather;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_GATHER_H
#define MF_KERNEL_GATHER_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GATHER int8 with constant indices; values are copied as they are (TFLite-Micro does not
 * compare the quantizations).
 * The input is [batches, outer, axis_size, inner] (batches: the product of the first
 * batch_dims extents; outer: of those between them and the axis; inner: of those after the
 * axis), the output [batches, outer, coords, inner]:
 *     output[b, o, j, :] = input[b, o, indices[b * coords + j], :]
 * indices holds batches * coords values (each batch its own coords indices; one set when
 * batch_dims is 0), every one in [0, axis_size): checked at generation time, as TFLite-Micro
 * only checks them in debug builds. All extents >= 1; the input's size < 2^31. */
typedef struct {
    int32_t batches;
    int32_t outer;
    int32_t axis_size;
    int32_t coords;
    int32_t inner;
    const int32_t *indices;        /* batches * coords values */
} mf_gather_params;

mf_status mf_gather_s8(const mf_gather_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_GATHER_H */
