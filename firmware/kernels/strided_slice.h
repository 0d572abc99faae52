/*
 * mcuforge kernel: STRIDED_SLICE, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.strided_slice;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_STRIDED_SLICE_H
#define MF_KERNEL_STRIDED_SLICE_H

#include "mcuforge_kernels.h"
#include "strided_copy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* STRIDED_SLICE int8 (1 to 4 dimensions, constant begin/end/strides, as TFLite-Micro): the
 * slice as a strided view of the input. copy.output_dims are the sliced extents (a shrunk axis
 * has extent 1), copy.input_strides[d] = strides[d] times the input's row-major stride of d
 * (negative for a negative stride), copy.input_offset the row-major index of the first value
 * read; merged as strided_copy.h says. The begin/end/shrink masks, negative indices and
 * clamping are resolved at generation time exactly as TFLite-Micro's Eval resolves them.
 * Values are copied as they are (TFLite-Micro does not compare the quantizations). */
typedef struct {
    mf_strided_copy_params copy;
} mf_strided_slice_params;

mf_status mf_strided_slice_s8(const mf_strided_slice_params *p, const int8_t *input,
                              int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_STRIDED_SLICE_H */
