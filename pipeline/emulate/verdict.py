"""How a comparison with the references reads in a summary, and when it fails the command."""

from __future__ import annotations

import numpy as np

from ..errors import MismatchError
from ..ui import Summary, percent
from . import ReferenceCheck
from .vectors import Vectors


def add_reference_rows(summary: Summary, check: ReferenceCheck, vectors: Vectors,
                       accuracy_label: str) -> None:
    """Rows: vectors, bit-exact against TFLite-Micro, LiteRT's agreement, accuracy (with labels)."""
    summary.add("vectors", vectors.source, "vectors", check.vs_tflm.vectors)
    summary.add("bit-exact (vs TFLite-Micro)", check.vs_tflm.summary(), "bit_exact", check.vs_tflm.exact)
    label = "agreement with LiteRT (reference kernels)"
    if check.vs_litert is not None:
        summary.add(label, f"{check.vs_litert.summary()} (max |diff| {check.vs_litert.max_abs_diff})",
                    "litert_exact", check.vs_litert.exact)
        summary.data["litert_max_abs_diff"] = check.vs_litert.max_abs_diff
    else:
        summary.add(label, f"not run: {check.litert_problem or 'not asked for'}", "litert_exact", None)
    if vectors.labels is not None:
        n = len(vectors.labels)
        predicted = np.argmax(check.generated_outputs[0].reshape(n, -1), axis=1)  # the first output
        accuracy = float(np.mean(predicted == vectors.labels))
        summary.add(accuracy_label, percent(accuracy), "accuracy", accuracy)


def require_bit_exact(check: ReferenceCheck, where: str) -> None:
    """Fails the command, naming the first differing positions, unless every vector is exact."""
    cmp = check.vs_tflm
    if not cmp.ok:
        raise MismatchError(f"{where}: output differs from TFLite-Micro on {cmp.vectors - cmp.exact} "
                            f"of {cmp.vectors} vectors: {cmp.describe_mismatches()}")
