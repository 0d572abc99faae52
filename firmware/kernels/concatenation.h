/*
 * mcuforge kernel: CONCATENATION, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.concatenation;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_CONCATENATION_H
#define MF_KERNEL_CONCATENATION_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CONCATENATION int8 (or int16: the same byte copy) along one axis; every input shares the
 * output's scale and zero point (TFLite-Micro accepts nothing else for int8), so values are
 * copied as they are.
 * Called as mf_concatenation_s8(&params, input_0, ..., input_{num_inputs-1}, output): the
 * num_inputs input pointers (const int8_t *) then the output pointer (int8_t *).
 * With outer = product of the extents before the axis, the output is outer blocks, each the
 * concatenation of input i's next input_sizes[i] bytes (its extent along the axis times the
 * product of the extents after it, times the element size: 1, or 2 for int16),
 * i = 0 .. num_inputs - 1. */
typedef struct {
    int32_t num_inputs;            /* 1 .. MF_CONCATENATION_MAX_INPUTS */
    int32_t outer;
    int32_t input_sizes[MF_CONCATENATION_MAX_INPUTS];
} mf_concatenation_params;

mf_status mf_concatenation_s8(const mf_concatenation_params *p, ...);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_CONCATENATION_H */
