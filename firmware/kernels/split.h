/*
 * mcuforge kernel: SPLIT, int8 (and the core SPLIT_V and UNPACK call).
 * The params struct is mirrored field for field by mcuforge.compile.ops.split;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SPLIT_H
#define MF_KERNEL_SPLIT_H

#include <stdarg.h>

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SPLIT int8 along one axis into num_outputs tensors; values are copied as they are
 * (TFLite-Micro does not compare the quantizations).
 * Called as mf_split_s8(&params, input, output_0, ..., output_{num_outputs-1}): the input
 * pointer (const int8_t *) then the num_outputs output pointers (int8_t *).
 * With outer = the product of the extents before the axis, the input is outer blocks, each the
 * next output_sizes[i] values of output i (its extent along the axis times the product of the
 * extents after it), i = 0 .. num_outputs - 1: the inverse of CONCATENATION.
 * Ranges: num_outputs >= 1 (the generator allows up to 125: C99's 127 arguments per call);
 * output_sizes[i] >= 1 and outer >= 1, outer * sum(output_sizes) = the input's size < 2^31.
 * No output overlaps the input. */
typedef struct {
    int32_t num_outputs;
    int32_t outer;
    const int32_t *output_sizes;   /* num_outputs values */
} mf_split_params;

mf_status mf_split_s8(const mf_split_params *p, ...);

/* The same, with the input and output pointers taken from `args` (for the kernels that wrap
 * this one: SPLIT_V and UNPACK); the caller owns va_start and va_end. */
mf_status mf_split_va(const mf_split_params *p, va_list args);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SPLIT_H */
