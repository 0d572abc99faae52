/*
 * mcuforge: RESHAPE and any other op that only moves bytes. Portable C99.
 */
#include <string.h>

#include "copy.h"

mf_status mf_copy_s8(const mf_copy_params *p, const int8_t *input, int8_t *output)
{
    if (p->size < 0) {
        return MF_ERROR_ARGUMENT;
    }
    /* The arena planner may place input and output at the same address (an in-place reshape);
     * memmove is correct for any overlap, and nothing needs to move when they coincide. */
    if (input != output && p->size > 0) {
        memmove(output, input, (size_t)p->size);
    }
    return MF_OK;
}
