/*
 * mcuforge: PACK, int8. Portable C99; see pack.h for the parameter contract and the calling
 * convention (the input pointers and the output pointer follow the params as further
 * arguments).
 *
 * The argument list is walked twice: once to the output pointer (the last argument), then
 * input by input, each copied to its interleaved place; no array of pointers is kept, so the
 * number of inputs needs no limit here.
 */
#include <stdarg.h>
#include <string.h>

#include "pack.h"

mf_status mf_pack_s8(const mf_pack_params *p, ...)
{
    const int32_t n = p->num_inputs, inner = p->inner;
    int8_t *output;
    int32_t i, k;
    va_list args;

    if (n < 1 || p->outer < 1 || inner < 1) {
        return MF_ERROR_ARGUMENT;
    }
    va_start(args, p);
    for (i = 0; i < n; ++i) {
        (void)va_arg(args, int8_t *);
    }
    /* the generated code passes `arena + offset`, an int8_t *: read it as that type */
    output = va_arg(args, int8_t *);
    va_end(args);

    va_start(args, p);
    for (i = 0; i < n; ++i) {
        const int8_t *input = va_arg(args, int8_t *);
        for (k = 0; k < p->outer; ++k) {
            memcpy(output + (k * n + i) * inner, input + k * inner, (size_t)inner);
        }
    }
    va_end(args);
    return MF_OK;
}
