/*
 * mcuforge cmsis-nn kernel: SOFTMAX through arm_softmax_s8 (see softmax.h).
 */
#include "softmax.h"

mf_status mf_cmsis_softmax_s8(const mf_cmsis_softmax_params *p, const int8_t *input,
                              int8_t *output)
{
    if (p->num_rows < 0 || p->row_size < 1 || p->row_size > MF_SOFTMAX_MAX_DEPTH ||
        p->shift < 0 || p->shift > 31 || p->diff_min > 0) {
        return MF_ERROR_ARGUMENT;
    }
    arm_softmax_s8(input, p->num_rows, p->row_size, p->mult, p->shift, p->diff_min, output);
    return MF_OK;
}
