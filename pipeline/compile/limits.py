"""Limits that the kernels (C) and the generator (Python) share, defined once, here.

``render_limits_header`` writes them as ``mf_limits.h`` into every generated folder, where
mcuforge_kernels.h includes it; the Python side imports them from this module. Each limit says
why it is what it is.
"""

from __future__ import annotations

from ..cformat import generated_header

# Bytes: alignment of the arena, of every arena slot and of every constant array (wide loads,
# cache lines; CMSIS-NN's fast paths read words).
ALIGNMENT = 16
# Dimensions an element-wise, data-movement or reduction kernel takes after the generator merged
# neighbouring dimensions (TFLite-Micro's broadcasting ops go up to 6 as well).
MAX_DIMS = 6
# Inputs of one CONCATENATION (TFLite-Micro's kMaxInputNum for the op).
CONCATENATION_MAX_INPUTS = 10
# Values per softmax row: keeps the kernel's Q12.19 sum of exponentials (each <= 1) below 2^31.
SOFTMAX_MAX_DEPTH = 4095
# Dimensions TFLite-Micro's PAD accepts.
PAD_MAX_INPUT_DIMS = 5
# Values per MEAN output: keeps |sum + sum_offset| <= 255 * count below 2^31.
MEAN_MAX_COUNT = 2**23

# Bytes of any one tensor, the arena and the weights: the kernels count elements and offsets in
# int32_t, and no Cortex-M has a 2 GiB memory.
MAX_BYTES = 2**31 - 1

# name in C -> value: what mf_limits.h defines (PAD_MAX_INPUT_DIMS and MEAN_MAX_COUNT are checks
# of the generator only; no kernel depends on them).
C_LIMITS = {
    "MF_ALIGNMENT": ALIGNMENT,
    "MF_MAX_DIMS": MAX_DIMS,
    "MF_CONCATENATION_MAX_INPUTS": CONCATENATION_MAX_INPUTS,
    "MF_SOFTMAX_MAX_DEPTH": SOFTMAX_MAX_DEPTH,
    "MF_MAX_BYTES": MAX_BYTES,
}


def render_limits_header(version: str) -> str:
    lines = [generated_header(version),
             "/* Limits shared by the kernels and the generator (mcuforge.compile.limits). */",
             "#ifndef MF_LIMITS_H", "#define MF_LIMITS_H", ""]
    lines += [f"#define {name} {value}" for name, value in C_LIMITS.items()]
    lines += ["", "#endif /* MF_LIMITS_H */", ""]
    return "\n".join(lines)
