/*
 * mcuforge: CONCATENATION, int8, inputs and output sharing one quantization.
 * Portable C99; see mcuforge_kernels.h for the parameter contract and the calling convention
 * (the input pointers and the output pointer follow the params as further arguments).
 */
#include <stdarg.h>
#include <string.h>

#include "concatenation.h"

mf_status mf_concatenation_s8(const mf_concatenation_params *p, ...)
{
    const int8_t *inputs[MF_CONCATENATION_MAX_INPUTS];
    int8_t *output;
    int32_t i, block;
    va_list args;

    if (p->num_inputs < 1 || p->num_inputs > MF_CONCATENATION_MAX_INPUTS || p->outer < 0) {
        return MF_ERROR_ARGUMENT;
    }
    va_start(args, p);
    for (i = 0; i < p->num_inputs; ++i) {
        /* the generated code passes `arena + offset`, an int8_t *: read it as that type */
        inputs[i] = va_arg(args, int8_t *);
    }
    output = va_arg(args, int8_t *);
    va_end(args);

    for (block = 0; block < p->outer; ++block) {
        for (i = 0; i < p->num_inputs; ++i) {
            const int32_t size = p->input_sizes[i];
            memcpy(output, inputs[i] + block * size, (size_t)size);
            output += size;
        }
    }
    return MF_OK;
}
