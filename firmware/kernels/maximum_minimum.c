/*
 * mcuforge: MAXIMUM and MINIMUM, int8, with numpy-style broadcasting. Portable C99; see
 * mcuforge_kernels.h for the parameter contract and mf_broadcast.h for the operand layout.
 *
 * Both walk the output row by row (mf_broadcast_walk) and pick one of the two stored values.
 */
#include "maximum_minimum.h"

static mf_status mf_pick_s8(const mf_maximum_minimum_params *p, const int8_t *input1,
                            const int8_t *input2, int8_t *output, int maximum)
{
    mf_broadcast_walk w;
    int32_t row, i;

    if (!mf_broadcast_begin(&p->broadcast, &w)) {
        return MF_ERROR_ARGUMENT;
    }
    for (row = 0; row < w.rows; ++row) {
        const int8_t *a = input1 + w.offset1;
        const int8_t *b = input2 + w.offset2;
        if (maximum) {
            for (i = 0; i < w.inner; ++i) {
                const int8_t x1 = a[i * w.stride1], x2 = b[i * w.stride2];
                output[i] = (x1 > x2) ? x1 : x2;
            }
        } else {
            for (i = 0; i < w.inner; ++i) {
                const int8_t x1 = a[i * w.stride1], x2 = b[i * w.stride2];
                output[i] = (x1 < x2) ? x1 : x2;
            }
        }
        output += w.inner;
        mf_broadcast_next_row(&p->broadcast, &w);
    }
    return MF_OK;
}

mf_status mf_maximum_s8(const mf_maximum_minimum_params *p, const int8_t *input1,
                        const int8_t *input2, int8_t *output)
{
    return mf_pick_s8(p, input1, input2, output, 1);
}

mf_status mf_minimum_s8(const mf_maximum_minimum_params *p, const int8_t *input1,
                        const int8_t *input2, int8_t *output)
{
    return mf_pick_s8(p, input1, input2, output, 0);
}

mf_status mf_maximum_const_s8(const mf_maximum_minimum_params *p, const int8_t *input,
                              int8_t *output)
{
    const int8_t *input1;
    const int8_t *input2;
    if (!mf_broadcast_operands(&p->broadcast, input, &input1, &input2)) {
        return MF_ERROR_ARGUMENT;
    }
    return mf_pick_s8(p, input1, input2, output, 1);
}

mf_status mf_minimum_const_s8(const mf_maximum_minimum_params *p, const int8_t *input,
                              int8_t *output)
{
    const int8_t *input1;
    const int8_t *input2;
    if (!mf_broadcast_operands(&p->broadcast, input, &input1, &input2)) {
        return MF_ERROR_ARGUMENT;
    }
    return mf_pick_s8(p, input1, input2, output, 0);
}
