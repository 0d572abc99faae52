/*
 * mcuforge cmsis-nn kernel: AVERAGE_POOL_2D and MAX_POOL_2D through arm_avgpool_s8 and
 * arm_max_pool_s8 (see pooling.h).
 */
#include "pooling.h"

mf_status mf_cmsis_avg_pool2d_s8(const mf_cmsis_pool2d_params *p, const int8_t *input,
                                 int8_t *output)
{
    const arm_cmsis_nn_status status = arm_avgpool_s8(
        &p->ctx, &p->pool_params, &p->input_dims, input, &p->filter_dims, &p->output_dims, output);
    return status == ARM_CMSIS_NN_SUCCESS ? MF_OK : MF_ERROR_ARGUMENT;
}

mf_status mf_cmsis_max_pool2d_s8(const mf_cmsis_pool2d_params *p, const int8_t *input,
                                 int8_t *output)
{
    const arm_cmsis_nn_status status = arm_max_pool_s8(
        &p->ctx, &p->pool_params, &p->input_dims, input, &p->filter_dims, &p->output_dims, output);
    return status == ARM_CMSIS_NN_SUCCESS ? MF_OK : MF_ERROR_ARGUMENT;
}
