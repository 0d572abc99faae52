/*
 * mcuforge: GATHER, int8, constant indices. Portable C99; see gather.h for the parameter
 * contract. One memcpy of `inner` values per gathered index, in output order.
 */
#include <string.h>

#include "gather.h"

mf_status mf_gather_s8(const mf_gather_params *p, const int8_t *input, int8_t *output)
{
    const int32_t inner = p->inner, slab = p->axis_size * p->inner;
    int32_t b, o, j;

    if (p->batches < 1 || p->outer < 1 || p->axis_size < 1 || p->coords < 1 || inner < 1 ||
        p->indices == NULL) {
        return MF_ERROR_ARGUMENT;
    }
    for (b = 0; b < p->batches; ++b) {
        const int32_t *indices = p->indices + b * p->coords;
        for (o = 0; o < p->outer; ++o) {
            const int8_t *from = input + (b * p->outer + o) * slab;
            for (j = 0; j < p->coords; ++j) {
                memcpy(output, from + indices[j] * inner, (size_t)inner);
                output += inner;
            }
        }
    }
    return MF_OK;
}
