/*
 * mcuforge kernel: AVERAGE_POOL_2D and MAX_POOL_2D, int16 (TFLite "16x8" models). The params
 * are mf_pool2d_params (pooling.h), mirrored by mcuforge.compile.ops.pooling.
 */
#ifndef MF_KERNEL_POOLING_S16_H
#define MF_KERNEL_POOLING_S16_H

#include "pooling.h"

#ifdef __cplusplus
extern "C" {
#endif

/* As mf_avg_pool2d_s8 / mf_max_pool2d_s8 on int16 values (input and output share scale and
 * zero point); act_min/act_max in [-32768, 32767]. */
mf_status mf_avg_pool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output);
mf_status mf_max_pool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_POOLING_S16_H */
