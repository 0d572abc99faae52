/*
 * mcuforge kernel: TRANSPOSE, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.transpose;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_TRANSPOSE_H
#define MF_KERNEL_TRANSPOSE_H

#include "mcuforge_kernels.h"
#include "strided_copy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TRANSPOSE int8 (1 to 5 dimensions, as TFLite-Micro): output dimension d is input dimension
 * perm[d]. Values are copied as they are (TFLite-Micro does not compare the quantization of
 * input and output). The generator describes the permutation as a strided view of the input:
 * copy.output_dims is the output shape, copy.input_strides[d] the input's row-major stride of
 * dimension perm[d], copy.input_offset 0; merged as strided_copy.h says (a permutation that
 * keeps neighbouring dimensions together moves them as one). */
typedef struct {
    mf_strided_copy_params copy;
} mf_transpose_params;

mf_status mf_transpose_s8(const mf_transpose_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_TRANSPOSE_H */
