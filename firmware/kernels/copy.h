/*
 * mcuforge kernel: RESHAPE (byte copy), int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.reshape;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_COPY_H
#define MF_KERNEL_COPY_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RESHAPE (and any other op that only copies bytes). */
typedef struct {
    int32_t size;                  /* bytes */
} mf_copy_params;

mf_status mf_copy_s8(const mf_copy_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_COPY_H */
