/*
 * mcuforge kernel: SPLIT_V, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.split_v;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SPLIT_V_H
#define MF_KERNEL_SPLIT_V_H

#include "mcuforge_kernels.h"
#include "split.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SPLIT_V int8: SPLIT with outputs of different extents along the axis. Called as
 * mf_split_v_s8(&params, input, output_0, ..., output_{n-1}); split is the SPLIT params
 * (split.h): split.output_sizes[i] is output i's extent along the axis times the product of
 * the extents after it. Values are copied as they are. */
typedef struct {
    mf_split_params split;
} mf_split_v_params;

mf_status mf_split_v_s8(const mf_split_v_params *p, ...);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SPLIT_V_H */
