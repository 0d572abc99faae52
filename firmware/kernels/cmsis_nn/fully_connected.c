/*
 * mcuforge cmsis-nn kernel: FULLY_CONNECTED through arm_fully_connected_wrapper_s8 (see fully_connected.h).
 */
#include "fully_connected.h"

mf_status mf_cmsis_fully_connected_s8(const mf_cmsis_fully_connected_params *p,
                                      const int8_t *input, int8_t *output)
{
    const arm_cmsis_nn_status status = arm_fully_connected_wrapper_s8(
        &p->ctx, &p->fc_params, &p->quant_params, &p->input_dims, input, &p->filter_dims,
        p->filter_data, &p->bias_dims, p->bias_data, &p->output_dims, output);
    return status == ARM_CMSIS_NN_SUCCESS ? MF_OK : MF_ERROR_ARGUMENT;
}
