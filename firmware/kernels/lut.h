/*
 * mcuforge kernel: a 256-entry lookup table, int8 -> int8 (LOGISTIC, TANH, HARD_SWISH,
 * LEAKY_RELU, ELU, RELU, RELU6 and int8 QUANTIZE).
 * The params struct is mirrored field for field by mcuforge.compile.ops.lut;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_LUT_H
#define MF_KERNEL_LUT_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* output[i] = table[input[i] + 128] for 0 <= i < size.
 * The table (256 int8 values, entry k for the input value k - 128) is computed by the generator,
 * which reproduces the op's TFLite-Micro integer arithmetic for each of the 256 inputs; the
 * kernel does no arithmetic but the index, which lies in [0, 255] for any int8 input, so nothing
 * can overflow or read outside the table. size >= 0 (elements; any shape, flattened).
 * input and output may be the same buffer: each element is read before it is written. */
typedef struct {
    int32_t size;
    const int8_t *table;
} mf_lut_params;

mf_status mf_lut_s8(const mf_lut_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_LUT_H */
