/*
 * mcuforge kernel: UNPACK, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.unpack;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_UNPACK_H
#define MF_KERNEL_UNPACK_H

#include "mcuforge_kernels.h"
#include "split.h"

#ifdef __cplusplus
extern "C" {
#endif

/* UNPACK int8: the input split into its extent along the axis of outputs, each without that
 * axis. Called as mf_unpack_s8(&params, input, output_0, ..., output_{n-1}); split is the
 * SPLIT params (split.h) with every split.output_sizes[i] the product of the extents after the
 * axis. Values are copied as they are. */
typedef struct {
    mf_split_params split;
} mf_unpack_params;

mf_status mf_unpack_s8(const mf_unpack_params *p, ...);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_UNPACK_H */
