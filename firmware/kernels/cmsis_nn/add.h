/*
 * mcuforge cmsis-nn kernel: ADD, int8, through CMSIS-NN's arm_elementwise_add_s8.
 * Same contract as the portable kernels/add.h (bit for bit); the params struct is mirrored
 * field for field by mcuforge.compile.ops.cmsis_nn (a test compares the two through the DWARF).
 *
 * CMSIS-NN (Include/, with its Source/ compiled into the firmware) and the CMSIS Core headers
 * are found through the include path; they are not part of mcuforge.
 */
#ifndef MF_CMSIS_KERNEL_ADD_H
#define MF_CMSIS_KERNEL_ADD_H

#include "arm_nnfunctions.h"
#include "mcuforge_kernels.h"

/* The CMSIS-NN code path this translation unit gets: 0 portable C, 1 DSP extension, 2 Helium
 * (CMSIS-NN derives ARM_MATH_DSP and ARM_MATH_MVEI from the compiler's target macros). The
 * scratch sizes in the params were computed for one path; a build that defines MF_CMSIS_NN_ISA
 * to it (0, 1, 2) is stopped here when its compiler flags select another one. */
#ifndef MF_CMSIS_NN_PATH
#if defined(ARM_MATH_MVEI)
#define MF_CMSIS_NN_PATH 2
#elif defined(ARM_MATH_DSP)
#define MF_CMSIS_NN_PATH 1
#else
#define MF_CMSIS_NN_PATH 0
#endif
#endif
#if defined(MF_CMSIS_NN_ISA) && MF_CMSIS_NN_ISA != MF_CMSIS_NN_PATH
#error "MF_CMSIS_NN_ISA: the model was generated for another CMSIS-NN code path than this core's"
#endif
#ifdef CMSIS_NN_USE_SINGLE_ROUNDING
#error "CMSIS_NN_USE_SINGLE_ROUNDING: single rounding is not bit-exact with TFLite-Micro"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ADD int8 of two same-shape inputs (no broadcasting), as arm_elementwise_add_s8 takes it:
 * block_size values of each input and of the output, with TFLite's two-input rescaling:
 *   a_i = ((x_i + input_i_offset) << left_shift) requantized by (input_i_mult, input_i_shift)
 *   y   = clamp((a_1 + a_2) requantized by (out_mult, out_shift) + out_offset,
 *               out_activation_min, out_activation_max)
 * Ranges: input offsets in [-127, 128], out_offset in [-128, 127], left_shift = 20 (CMSIS-NN's
 * DSP path keeps x + offset in 16 bits and needs the shift to push the sign into bit 31), every
 * shift <= 0 (multipliers below one), bounds within [-128, 127]. */
typedef struct {
    int32_t block_size;
    int32_t input_1_offset;
    int32_t input_1_mult;
    int32_t input_1_shift;
    int32_t input_2_offset;
    int32_t input_2_mult;
    int32_t input_2_shift;
    int32_t left_shift;
    int32_t out_offset;
    int32_t out_mult;
    int32_t out_shift;
    int32_t out_activation_min;
    int32_t out_activation_max;
} mf_cmsis_add_params;

mf_status mf_cmsis_add_s8(const mf_cmsis_add_params *p, const int8_t *input1,
                          const int8_t *input2, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* MF_CMSIS_KERNEL_ADD_H */
