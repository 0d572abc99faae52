/*
 * mcuforge: element-wise int8 ops as a 256-entry table lookup. Portable C99; see lut.h.
 */
#include "lut.h"

mf_status mf_lut_s8(const mf_lut_params *p, const int8_t *input, int8_t *output)
{
    const int8_t *table = p->table;
    int32_t i;

    if (p->size < 0 || table == NULL) {
        return MF_ERROR_ARGUMENT;
    }
    for (i = 0; i < p->size; ++i) {
        output[i] = table[(int32_t)input[i] + 128];
    }
    return MF_OK;
}
