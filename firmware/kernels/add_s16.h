/*
 * mcuforge kernel: ADD, int16 (TFLite "16x8" models). The params are mf_add_params
 * (add.h), mirrored by mcuforge.compile.ops.add.
 */
#ifndef MF_KERNEL_ADD_S16_H
#define MF_KERNEL_ADD_S16_H

#include "add.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ADD of two int16 tensors in the arena, broadcast as in mf_add_s8; zero points are 0
 * (offsets 0, required by the generator). See add_s16.c for the arithmetic and its ranges. */
mf_status mf_add_s16(const mf_add_params *p, const int16_t *input1, const int16_t *input2,
                      int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_ADD_S16_H */
