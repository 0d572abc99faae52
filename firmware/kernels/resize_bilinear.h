/*
 * mcuforge kernel: RESIZE_BILINEAR, int8.
 * The params struct is mirrored field for field by mcuforge.compile.ops.resize_bilinear;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_RESIZE_BILINEAR_H
#define MF_KERNEL_RESIZE_BILINEAR_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RESIZE_BILINEAR int8, NHWC, constant size, with TFLite-Micro's integer arithmetic
 * (10 fractional bits per axis; values copied in their quantized form, as TFLite-Micro does).
 * The output is [batches, output_height, output_width, depth]. For output row y the generator
 * computes the two input rows it blends and the weight of the second, exactly as TFLite-Micro
 * does, and stores them as rows[3y] = top row * input row length, rows[3y + 1] = bottom row
 * * input row length, rows[3y + 2] = wy; likewise cols[3x], cols[3x + 1] (input columns times
 * depth) and cols[3x + 2] = wx. With v_tl, v_tr, v_bl, v_br the four input values:
 *     acc = (v_tl * (1024 - wx) + v_tr * wx) * (1024 - wy) + (v_bl * (1024 - wx) + v_br * wx) * wy
 *     y   = (acc + (acc > 0 ? 2^19 : -2^19)) / 2^20      (C division: rounded half away from 0)
 * which is TFLite-Micro's sum of four products, regrouped (the integers are the same).
 * Ranges (checked at generation time): weights in [-512, 1024) (negative only at the first
 * row or column with half_pixel_centers, where top and bottom, or left and right, are the
 * same pixel); |acc| <= 128 * 2048 * 2048 = 2^29, so nothing overflows int32; the weights of
 * each axis sum to 1024 over pixels that hold the same value wherever one is negative, so y is
 * a weighted mean of the four inputs and lies in [-128, 127]. Every offset plus depth stays
 * inside the input (TFLite-Micro would read past it for some sizes; those are rejected). */
typedef struct {
    int32_t batches;
    int32_t output_height;
    int32_t output_width;
    int32_t depth;
    int32_t input_batch_stride;
    const int32_t *rows;           /* 3 * output_height values */
    const int32_t *cols;           /* 3 * output_width values */
} mf_resize_bilinear_params;

mf_status mf_resize_bilinear_s8(const mf_resize_bilinear_params *p, const int8_t *input,
                                int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_RESIZE_BILINEAR_H */
