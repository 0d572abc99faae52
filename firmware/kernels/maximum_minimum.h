/*
 * mcuforge kernels: MAXIMUM and MINIMUM, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.maximum_minimum;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_MAXIMUM_MINIMUM_H
#define MF_KERNEL_MAXIMUM_MINIMUM_H

#include "mcuforge_kernels.h"
#include "mf_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MAXIMUM / MINIMUM int8 with numpy broadcasting: y = max(x1, x2) / min(x1, x2) of the stored
 * int8 values, as TFLite-Micro computes them (it does not requantize: the converter gives both
 * inputs and the output one quantization). Shapes and the constant operand: `broadcast`
 * (mf_broadcast.h). No arithmetic, so no range can overflow. */
typedef struct {
    mf_broadcast_params broadcast;
} mf_maximum_minimum_params;

/* Both operands in the arena (broadcast.constant_input == 0). */
mf_status mf_maximum_s8(const mf_maximum_minimum_params *p, const int8_t *input1,
                        const int8_t *input2, int8_t *output);
mf_status mf_minimum_s8(const mf_maximum_minimum_params *p, const int8_t *input1,
                        const int8_t *input2, int8_t *output);
/* One operand is broadcast.constant; `input` is the other one. */
mf_status mf_maximum_const_s8(const mf_maximum_minimum_params *p, const int8_t *input,
                              int8_t *output);
mf_status mf_minimum_const_s8(const mf_maximum_minimum_params *p, const int8_t *input,
                              int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_MAXIMUM_MINIMUM_H */
