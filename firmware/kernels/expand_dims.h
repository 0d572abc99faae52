/*
 * mcuforge kernel: EXPAND_DIMS, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.expand_dims;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_EXPAND_DIMS_H
#define MF_KERNEL_EXPAND_DIMS_H

#include "mcuforge_kernels.h"
#include "copy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* EXPAND_DIMS int8: the shape gains a dimension of extent 1, the bytes stay as they are:
 * copy.size bytes copied (mf_copy_s8). */
typedef struct {
    mf_copy_params copy;
} mf_expand_dims_params;

mf_status mf_expand_dims_s8(const mf_expand_dims_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_EXPAND_DIMS_H */
