/*
 * mcuforge optimized kernels: ADD, int8, element by element (both inputs of the output's shape),
 * for cores with the DSP extension (Cortex-M4, M7, M33, M55).
 * Same contract as the portable kernels/add.h, bit for bit: TFLite-Micro's two-input rescaling
 * ((x + offset) << left_shift, each input requantized, the sum requantized, plus the output
 * offset, clamped). The params struct is mirrored field for field by
 * mcuforge.compile.ops.optimized.add (OptAddDspParams). Broadcasting stays portable.
 * The generator checked every shift <= 0 and left_shift <= 20, so the doubled values fit in int32
 * and SMMULR of a doubled value is TFLite-Micro's saturating rounding doubling high multiply.
 */
#ifndef MF_OPT_KERNEL_ADD_DSP_H
#define MF_OPT_KERNEL_ADD_DSP_H

#include "mcuforge_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t size;                  /* elements */
    int32_t input1_offset, input2_offset;
    int32_t left_shift;            /* in [0, 20] */
    int32_t input1_multiplier, input1_shift;   /* shifts <= 0 */
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t output_offset;
    int32_t act_min, act_max;
} mf_opt_add_dsp_params;

mf_status mf_opt_add_dsp_s8(const mf_opt_add_dsp_params *p, const int8_t *input1,
                          const int8_t *input2, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_OPT_KERNEL_ADD_DSP_H */
