/*
 * mcuforge int8 kernels: declarations and parameter structs.
 *
 * Conventions shared by every kernel (the TFLite int8 quantization scheme):
 *   - real = scale * (q - zero_point); activations are int8, NHWC, batch first.
 *   - All quantization arithmetic that depends only on the model (multipliers, shifts, offsets,
 *     activation bounds) is done in Python at generation time and arrives here in the params.
 *   - input_offset  = -input_zero_point  (added to every input value before multiplying)
 *   - filter_offset = -filter_zero_point (0 for symmetric int8 weights)
 *   - output_offset = +output_zero_point (added after requantization)
 *   - Requantization of an int32 accumulator `acc` with (multiplier m, shift s):
 *       m in [2^30, 2^31) or 0; s in [-31, 30]; s > 0 shifts left before the multiply.
 *       y = rounding_divide_by_pot(saturating_rounding_doubling_high_mul(acc << max(s,0), m),
 *                                  max(-s,0))
 *     (double rounding, as TFLite-Micro's reference kernels and CMSIS-NN).
 *   - act_min/act_max are the fused activation bounds already in the output's quantized domain,
 *     within [-128, 127].
 *   - Pointers to constant data (filters, biases, multipliers, shifts) live in the params; the
 *     arena pointers are arguments. Kernels never allocate and never touch memory outside the
 *     extents their params describe.
 *   - Kernels return MF_OK; checks that depend only on the model were done at generation time.
 *   - Accumulators are int32: the generator bounds sum(|w + filter_offset|) * max|x + input_offset|
 *     + |bias| below 2^31 for every output channel, using the actual weights, so no partial sum
 *     can overflow for any input (a bias-free layer of at most 65,792 taps always passes:
 *     255 * 128 * 65,792 < 2^31).
 *   - The fixed-point helpers are in firmware/kernels/mf_fixedpoint.h; their Python side is
 *     pipeline/compile/quant.py, and tests/kernels/test_conventions.py::test_sign_conventions fails if the
 *     offset or shift conventions above get flipped on either side.
 */
#ifndef MCUFORGE_KERNELS_H
#define MCUFORGE_KERNELS_H

#include <stddef.h>   /* NULL, for an absent bias */

#include <stdint.h>

/* Limits shared with the generator (MF_ALIGNMENT, MF_MAX_DIMS, ...): generated from
 * mcuforge.compile.limits into every generated folder. */
#include "mf_limits.h"

/* MF_ALIGNMENT-byte alignment of the generated weight arrays and the arena (wide loads, cache
 * lines). Predefine MF_ALIGNED for a compiler without GNU attributes. */
#ifndef MF_ALIGNED
#if defined(__GNUC__) || defined(__clang__) || defined(__ARMCC_VERSION)
#define MF_ALIGNED __attribute__((aligned(MF_ALIGNMENT)))
#else
#error "define MF_ALIGNED to this compiler's alignment attribute for MF_ALIGNMENT bytes"
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MF_OK = 0,
    MF_ERROR_ARGUMENT = 1,   /* a params value outside the documented range */
} mf_status;

/* Extents of an NHWC tensor (or OHWI filter: n = output channels, c = input channels). */
typedef struct {
    int32_t n, h, w, c;
} mf_dims;

/* ---- element-wise, data movement and reduction ops ----
 * These ops take tensors of up to MF_MAX_DIMS dimensions. The generator first merges
 * neighbouring dimensions that the op treats alike (e.g. the H, W and C of a same-shape ADD
 * become one dimension, the H and W of a global mean become one) and drops dimensions of
 * extent 1, so the kernels see the fewest dimensions that describe the operation; extents and
 * strides are in elements (bytes, for int8), row-major, the last dimension innermost
 * (MF_MAX_DIMS is in mf_limits.h).
 *
 * Each op's params struct and function are declared in its own
 * header, kernels/<op>.h, beside its source. */

#ifdef __cplusplus
}
#endif

#endif /* MCUFORGE_KERNELS_H */
