/*
 * mcuforge kernel: PACK, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.pack;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_PACK_H
#define MF_KERNEL_PACK_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PACK int8: num_inputs tensors of one shape stacked along a new axis; values are copied as
 * they are (TFLite-Micro does not compare the quantizations).
 * Called as mf_pack_s8(&params, input_0, ..., input_{num_inputs-1}, output): the num_inputs
 * input pointers (const int8_t *) then the output pointer (int8_t *).
 * With outer = the product of the output's extents before the new axis and inner = the
 * product of those after it, each input is outer blocks of inner values and block k of input
 * i lands at output offset (k * num_inputs + i) * inner.
 * Ranges: num_inputs >= 1 (the generator allows up to 125: C99's 127 arguments per call);
 * outer, inner >= 1, outer * num_inputs * inner = the output's size < 2^31. No input overlaps
 * the output. */
typedef struct {
    int32_t num_inputs;
    int32_t outer;
    int32_t inner;
} mf_pack_params;

mf_status mf_pack_s8(const mf_pack_params *p, ...);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_PACK_H */
