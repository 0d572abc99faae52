/*
 * mcuforge cmsis-nn kernel: CONCATENATION through arm_concatenation_s8_x (see concatenation.h).
 */
#include <stdarg.h>

#include "concatenation.h"

#define MF_CMSIS_U16_MAX 65535

mf_status mf_cmsis_concatenation_s8(const mf_cmsis_concatenation_params *p, ...)
{
    const int8_t *inputs[MF_CONCATENATION_MAX_INPUTS];
    int8_t *output;
    int32_t i, offset = 0;
    va_list args;

    if (p->num_inputs < 1 || p->num_inputs > MF_CONCATENATION_MAX_INPUTS || p->rows < 0 ||
        p->rows > MF_CMSIS_U16_MAX || p->output_row < 0 || p->output_row > MF_CMSIS_U16_MAX) {
        return MF_ERROR_ARGUMENT;
    }
    for (i = 0; i < p->num_inputs; ++i) {
        if (p->input_rows[i] < 0 || p->input_rows[i] > p->output_row - offset) {
            return MF_ERROR_ARGUMENT;
        }
        offset += p->input_rows[i];
    }
    if (offset != p->output_row) {
        return MF_ERROR_ARGUMENT;
    }
    va_start(args, p);
    for (i = 0; i < p->num_inputs; ++i) {
        /* the generated code passes `arena + offset`, an int8_t *: read it as that type */
        inputs[i] = va_arg(args, int8_t *);
    }
    output = va_arg(args, int8_t *);
    va_end(args);

    offset = 0;
    for (i = 0; i < p->num_inputs; ++i) {
        arm_concatenation_s8_x(inputs[i], (uint16_t)p->input_rows[i], (uint16_t)p->rows, 1, 1,
                               output, (uint16_t)p->output_row, (uint32_t)offset);
        offset += p->input_rows[i];
    }
    return MF_OK;
}
