/*
 * mcuforge kernel: SLICE, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.slice;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SLICE_H
#define MF_KERNEL_SLICE_H

#include "mcuforge_kernels.h"
#include "strided_copy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SLICE int8 (1 to 5 dimensions, constant begin and size, as TFLite-Micro): the block
 * [begin, begin + size) of the input as a strided view: copy.output_dims are the sizes (a size
 * of -1 resolved to the rest of the axis), copy.input_strides the input's row-major strides,
 * copy.input_offset the row-major index of begin; merged as strided_copy.h says. Values are
 * copied as they are (TFLite-Micro does not compare the quantizations). */
typedef struct {
    mf_strided_copy_params copy;
} mf_slice_params;

mf_status mf_slice_s8(const mf_slice_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SLICE_H */
