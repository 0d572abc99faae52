/*
 * mcuforge cmsis-nn kernel: ADD through arm_elementwise_add_s8 (see add.h).
 */
#include "add.h"

mf_status mf_cmsis_add_s8(const mf_cmsis_add_params *p, const int8_t *input1,
                          const int8_t *input2, int8_t *output)
{
    arm_cmsis_nn_status status;

    if (p->block_size < 0 || p->left_shift != 20 || p->input_1_shift > 0 ||
        p->input_2_shift > 0 || p->out_shift > 0) {
        return MF_ERROR_ARGUMENT;
    }
    status = arm_elementwise_add_s8(input1, input2, p->input_1_offset, p->input_1_mult,
                                    p->input_1_shift, p->input_2_offset, p->input_2_mult,
                                    p->input_2_shift, p->left_shift, output, p->out_offset,
                                    p->out_mult, p->out_shift, p->out_activation_min,
                                    p->out_activation_max, p->block_size);
    return status == ARM_CMSIS_NN_SUCCESS ? MF_OK : MF_ERROR_ARGUMENT;
}
