/*
 * mcuforge kernel: QUANTIZE between int8 and int16 and int16 -> int16 (a requantization).
 * (int8 -> int8 QUANTIZE is a lookup table: lut.h.)
 * The params struct is mirrored field for field by mcuforge.compile.ops.lut;
 * tests/kernels/test_params_layout.py compares the two through the compiled DWARF.
 */
#ifndef MF_KERNEL_QUANTIZE_S16_H
#define MF_KERNEL_QUANTIZE_S16_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* output[i] = clamp(requantize(input[i] + input_offset) + output_offset) for 0 <= i < size,
 * clamped to the output type's range; requantize as the int8 kernels (multiplier, shift of
 * input_scale / output_scale). |input + input_offset| < 2^16, so the requantization's wrapping
 * left shift only wraps where TFLite-Micro's does. size >= 0 (elements, any shape). */
typedef struct {
    int32_t size;
    int32_t input_offset;          /* -input zero point */
    int32_t output_offset;         /* +output zero point */
    int32_t multiplier;
    int32_t shift;
} mf_quantize_s16_params;

mf_status mf_quantize_s8_s16(const mf_quantize_s16_params *p, const int8_t *input,
                             int16_t *output);
mf_status mf_quantize_s16_s8(const mf_quantize_s16_params *p, const int16_t *input,
                             int8_t *output);
mf_status mf_quantize_s16_s16(const mf_quantize_s16_params *p, const int16_t *input,
                              int16_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_KERNEL_QUANTIZE_S16_H */
