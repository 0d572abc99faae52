/*
 * mcuforge cmsis-nn kernel: CONV_2D through arm_convolve_wrapper_s8 (see conv2d.h).
 */
#include "conv2d.h"

mf_status mf_cmsis_conv2d_s8(const mf_cmsis_conv2d_params *p, const int8_t *input,
                             int8_t *output)
{
    const arm_cmsis_nn_status status = arm_convolve_wrapper_s8(
        &p->ctx, &p->conv_params, &p->quant_params, &p->input_dims, input, &p->filter_dims,
        p->filter_data, &p->bias_dims, p->bias_data, &p->output_dims, output);
    return status == ARM_CMSIS_NN_SUCCESS ? MF_OK : MF_ERROR_ARGUMENT;
}
