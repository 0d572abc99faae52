/*
 * mcuforge cmsis-nn kernel: CONCATENATION, int8, through CMSIS-NN's arm_concatenation_s8_x.
 * Same contract as the portable kernels/concatenation.h (bit for bit); the params struct is mirrored
 * field for field by mcuforge.compile.ops.cmsis_nn (a test compares the two through the DWARF).
 *
 * CMSIS-NN (Include/, with its Source/ compiled into the firmware) and the CMSIS Core headers
 * are found through the include path; they are not part of mcuforge.
 */
#ifndef MF_CMSIS_KERNEL_CONCATENATION_H
#define MF_CMSIS_KERNEL_CONCATENATION_H

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

/* CONCATENATION int8 along one axis; every input shares the output's quantization, so values
 * are copied as they are. Called as mf_cmsis_concatenation_s8(&params, input_0, ...,
 * input_{num_inputs-1}, output): the num_inputs input pointers (const int8_t *), then the
 * output pointer (int8_t *).
 * Seen as rows (rows = the product of the extents before the axis), input i is [rows,
 * input_rows[i]] and the output [rows, output_row], output_row = the sum of input_rows: each
 * output row is the concatenation of the inputs' rows, input i's placed by
 * arm_concatenation_s8_x at the sum of the earlier inputs' input_rows.
 * Ranges: 1 <= num_inputs <= MF_CONCATENATION_MAX_INPUTS; rows, output_row and every
 * input_rows[i] in [0, 65535] (CMSIS-NN takes them as uint16_t). */
typedef struct {
    int32_t num_inputs;
    int32_t rows;
    int32_t output_row;
    int32_t input_rows[MF_CONCATENATION_MAX_INPUTS];
} mf_cmsis_concatenation_params;

mf_status mf_cmsis_concatenation_s8(const mf_cmsis_concatenation_params *p, ...);

#ifdef __cplusplus
}
#endif

#endif /* MF_CMSIS_KERNEL_CONCATENATION_H */
