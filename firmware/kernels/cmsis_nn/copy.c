/*
 * mcuforge cmsis-nn kernel: RESHAPE through arm_reshape_s8 (see copy.h).
 */
#include "copy.h"

mf_status mf_cmsis_copy_s8(const mf_cmsis_copy_params *p, const int8_t *input, int8_t *output)
{
    if (p->size < 0) {
        return MF_ERROR_ARGUMENT;
    }
    arm_reshape_s8(input, output, (uint32_t)p->size);
    return MF_OK;
}
