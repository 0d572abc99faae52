/*
 * mcuforge kernel: MUL, int16 (TFLite "16x8" models). The params are mf_mul_params
 * (mul.h), mirrored by mcuforge.compile.ops.mul.
 */
#ifndef MF_KERNEL_MUL_S16_H
#define MF_KERNEL_MUL_S16_H

#include "mul.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MUL of two int16 tensors in the arena, broadcast as in mf_mul_s8; zero points are 0
 * (offsets 0, required by the generator). See mul_s16.c for the arithmetic and its ranges. */
mf_status mf_mul_s16(const mf_mul_params *p, const int16_t *input1, const int16_t *input2,
                      int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_MUL_S16_H */
