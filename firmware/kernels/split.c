/*
 * mcuforge: SPLIT, int8, outputs sharing the input's bytes. Portable C99; see split.h for the
 * parameter contract and the calling convention (the input pointer and the output pointers
 * follow the params as further arguments).
 *
 * Each output is filled in turn: its blocks sit one input block apart, at the offset of the
 * outputs before it, so every output pointer is read from the argument list exactly once.
 */
#include <string.h>

#include "split.h"

mf_status mf_split_va(const mf_split_params *p, va_list args)
{
    const int8_t *input;
    int32_t block = 0, before = 0, i, k;

    if (p->num_outputs < 1 || p->outer < 1 || p->output_sizes == NULL) {
        return MF_ERROR_ARGUMENT;
    }
    for (i = 0; i < p->num_outputs; ++i) {
        if (p->output_sizes[i] < 1) {
            return MF_ERROR_ARGUMENT;
        }
        block += p->output_sizes[i];
    }
    /* the generated code passes `arena + offset`, an int8_t *: read it as that type */
    input = va_arg(args, int8_t *);
    for (i = 0; i < p->num_outputs; ++i) {
        int8_t *output = va_arg(args, int8_t *);
        const int32_t size = p->output_sizes[i];
        for (k = 0; k < p->outer; ++k) {
            memcpy(output + k * size, input + k * block + before, (size_t)size);
        }
        before += size;
    }
    return MF_OK;
}

mf_status mf_split_s8(const mf_split_params *p, ...)
{
    mf_status status;
    va_list args;

    va_start(args, p);
    status = mf_split_va(p, args);
    va_end(args);
    return status;
}
