/*
 * mcuforge kernel: SUB, int16 (TFLite "16x8" models). The params are mf_sub_params
 * (sub.h), mirrored by mcuforge.compile.ops.sub.
 */
#ifndef MF_KERNEL_SUB_S16_H
#define MF_KERNEL_SUB_S16_H

#include "sub.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SUB of two int16 tensors in the arena, broadcast as in mf_sub_s8; zero points are 0
 * (offsets 0, required by the generator). See sub_s16.c for the arithmetic and its ranges. */
mf_status mf_sub_s16(const mf_sub_params *p, const int16_t *input1, const int16_t *input2,
                      int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_SUB_S16_H */
