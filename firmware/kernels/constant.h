/*
 * mcuforge kernel: a constant operand copied into the arena.
 * The params struct is mirrored field for field by mcuforge.compile.ops.constant;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_CONSTANT_H
#define MF_KERNEL_CONSTANT_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* output[0..size) = values[0..size): a constant tensor that an op takes where it expects a
 * computed one (ADD or MUL of a constant, as a BatchNormalization on the model input converts),
 * put in the arena before that op runs (compile.materialize). size >= 0 (bytes, any element
 * type); values lie in flash, output in the arena: they never overlap. */
typedef struct {
    int32_t size;
    const int8_t *values;
} mf_constant_params;

mf_status mf_constant_s8(const mf_constant_params *p, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_CONSTANT_H */
