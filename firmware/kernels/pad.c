/*
 * mcuforge: PAD and PADV2, int8 or int16, constant padding. Portable C99; see
 * mcuforge_kernels.h.
 *
 * The output is written row by row (a row is the innermost dimension). A row whose outer
 * indices all fall inside the input block gets pad_before values, the next input row and
 * pad_after values; any other row is all padding. Input rows are read in order.
 * Both types share the walk: values are handled as bytes, `size` bytes each (1 or 2).
 */
#include <string.h>

#include "pad.h"

/* count values of `size` bytes equal to `value` (its bytes in memory order) at `out` */
static void fill(uint8_t *out, const uint8_t *value, size_t size, int32_t count)
{
    int32_t i;
    if (size == 1u) {
        memset(out, value[0], (size_t)count);
        return;
    }
    for (i = 0; i < count; ++i) {
        memcpy(out + (size_t)i * size, value, size);
    }
}

static mf_status pad_values(const mf_pad_params *p, const uint8_t *input, uint8_t *output,
                            const uint8_t *value, size_t size)
{
    const int32_t rank = p->rank;
    int32_t out_dims[MF_MAX_DIMS];
    int32_t index[MF_MAX_DIMS];
    int32_t rows = 1, in_row, out_row, before, after, row, d;

    if (rank < 1 || rank > MF_MAX_DIMS) {
        return MF_ERROR_ARGUMENT;
    }
    for (d = 0; d < rank; ++d) {
        if (p->pad_before[d] < 0 || p->pad_after[d] < 0) {
            return MF_ERROR_ARGUMENT;
        }
        out_dims[d] = p->pad_before[d] + p->input_dims[d] + p->pad_after[d];
        index[d] = 0;
        if (d < rank - 1) {
            rows *= out_dims[d];
        }
    }
    in_row = p->input_dims[rank - 1];
    out_row = out_dims[rank - 1];
    before = p->pad_before[rank - 1];
    after = p->pad_after[rank - 1];

    for (row = 0; row < rows; ++row) {
        int inside = 1;
        for (d = 0; d < rank - 1; ++d) {
            if (index[d] < p->pad_before[d] || index[d] >= p->pad_before[d] + p->input_dims[d]) {
                inside = 0;
                break;
            }
        }
        if (inside) {
            fill(output, value, size, before);
            memcpy(output + (size_t)before * size, input, (size_t)in_row * size);
            fill(output + (size_t)(before + in_row) * size, value, size, after);
            input += (size_t)in_row * size;
        } else {
            fill(output, value, size, out_row);
        }
        output += (size_t)out_row * size;
        for (d = rank - 2; d >= 0; --d) {
            if (++index[d] < out_dims[d]) {
                break;
            }
            index[d] = 0;
        }
    }
    return MF_OK;
}

mf_status mf_pad_s8(const mf_pad_params *p, const int8_t *input, int8_t *output)
{
    int8_t value;
    if (p->pad_value < INT8_MIN || p->pad_value > INT8_MAX) {
        return MF_ERROR_ARGUMENT;
    }
    value = (int8_t)p->pad_value;
    return pad_values(p, (const uint8_t *)input, (uint8_t *)output, (const uint8_t *)&value, 1u);
}

mf_status mf_pad_s16(const mf_pad_params *p, const int16_t *input, int16_t *output)
{
    int16_t value;
    if (p->pad_value < INT16_MIN || p->pad_value > INT16_MAX) {
        return MF_ERROR_ARGUMENT;
    }
    value = (int16_t)p->pad_value;
    return pad_values(p, (const uint8_t *)input, (uint8_t *)output, (const uint8_t *)&value,
                      sizeof value);
}
