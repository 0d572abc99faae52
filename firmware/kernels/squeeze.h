/*
 * mcuforge kernel: SQUEEZE, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.squeeze;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_SQUEEZE_H
#define MF_KERNEL_SQUEEZE_H

#include "mcuforge_kernels.h"
#include "copy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SQUEEZE int8: dimensions of extent 1 leave the shape, the bytes stay as they are:
 * copy.size bytes copied (mf_copy_s8). */
typedef struct {
    mf_copy_params copy;
} mf_squeeze_params;

mf_status mf_squeeze_s8(const mf_squeeze_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SQUEEZE_H */
