/*
 * mcuforge kernel: PAD and PADV2, int8 and int16.
 * The params struct is mirrored field for field by mcuforge.compile.ops.pad;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_PAD_H
#define MF_KERNEL_PAD_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PAD and PADV2 int8 (constant padding; input and output share scale and zero point, values
 * are copied as they are).
 * input [input_dims] (rank 1..MF_MAX_DIMS); output dimension d has
 * pad_before[d] + input_dims[d] + pad_after[d] values (paddings >= 0). Every output value
 * outside the copied input block is pad_value (in [-128, 127]): the output zero point for PAD
 * (a real 0), the quantized constant for PADV2. */
typedef struct {
    int32_t rank;
    int32_t input_dims[MF_MAX_DIMS];
    int32_t pad_before[MF_MAX_DIMS];
    int32_t pad_after[MF_MAX_DIMS];
    int32_t pad_value;
} mf_pad_params;

mf_status mf_pad_s8(const mf_pad_params *p, const int8_t *input, int8_t *output);
/* The same for int16 tensors (16x8 models); pad_value in [-32768, 32767]. */
mf_status mf_pad_s16(const mf_pad_params *p, const int16_t *input, int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_PAD_H */
