/*
 * mcuforge cmsis-nn kernel: PAD and PADV2 through arm_pad_s8 (see pad.h).
 */
#include "pad.h"

mf_status mf_cmsis_pad_s8(const mf_cmsis_pad_params *p, const int8_t *input, int8_t *output)
{
    arm_cmsis_nn_status status;

    if (p->pad_value < -128 || p->pad_value > 127) {
        return MF_ERROR_ARGUMENT;
    }
    status = arm_pad_s8(input, output, (int8_t)p->pad_value, &p->input_size, &p->pre_pad,
                        &p->post_pad);
    return status == ARM_CMSIS_NN_SUCCESS ? MF_OK : MF_ERROR_ARGUMENT;
}
