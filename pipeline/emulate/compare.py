"""Element-by-element comparison of integer outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Mismatch:
    vector: int
    position: tuple[int, ...]
    got: int
    expected: int
    output: str = ""                 # which model output, for a model with several


@dataclass(frozen=True)
class Comparison:
    vectors: int
    exact: int                       # vectors equal on every element
    mismatches: tuple[Mismatch, ...]  # the first few differing elements
    max_abs_diff: int

    @property
    def ok(self) -> bool:
        return self.exact == self.vectors

    def summary(self) -> str:
        return f"{self.exact}/{self.vectors}"

    def describe_mismatches(self) -> str:
        return "; ".join(f"vector {m.vector}{' ' + m.output if m.output else ''} at "
                         f"{list(m.position)}: got {m.got}, expected {m.expected}"
                         for m in self.mismatches)


def compare_exact(got: np.ndarray, expected: np.ndarray, keep: int = 5) -> Comparison:
    """Compares [N, ...] integer arrays; integers only, no tolerance."""
    if got.shape != expected.shape:
        raise ValueError(f"shape {got.shape} != {expected.shape}")
    diff = got.astype(np.int64) - expected.astype(np.int64)
    bad = np.argwhere(diff != 0)
    per_vector = (diff.reshape(len(diff), -1) != 0).any(axis=1)
    mismatches = tuple(Mismatch(int(idx[0]), tuple(int(i) for i in idx[1:]), int(got[tuple(idx)]),
                                int(expected[tuple(idx)])) for idx in bad[:keep])
    return Comparison(vectors=len(got), exact=int((~per_vector).sum()), mismatches=mismatches,
                      max_abs_diff=int(np.abs(diff).max(initial=0)))


def compare_outputs(got: Sequence[np.ndarray], expected: Sequence[np.ndarray],
                    names: Sequence[str], keep: int = 5) -> Comparison:
    """Compares every output of a model ([N, ...] integer arrays, one per output, in order) on
    every element; a vector is exact when all of its outputs are. A single output reads as
    ``compare_exact``; with several, each mismatch names its output ("output 1 'name'")."""
    if len(got) != len(expected):
        raise ValueError(f"{len(got)} outputs != {len(expected)}")
    if len(got) == 1:
        return compare_exact(got[0], expected[0], keep)
    parts = [compare_exact(g, e, keep) for g, e in zip(got, expected)]
    bad = np.zeros(parts[0].vectors, dtype=bool)
    for g, e in zip(got, expected):
        diff = g.astype(np.int64) != e.astype(np.int64)
        bad |= diff.reshape(len(diff), -1).any(axis=1)
    mismatches = sorted((replace(m, output=f"output {k} '{name}'")
                         for k, (part, name) in enumerate(zip(parts, names)) for m in part.mismatches),
                        key=lambda m: m.vector)[:keep]
    return Comparison(vectors=parts[0].vectors, exact=int((~bad).sum()), mismatches=tuple(mismatches),
                      max_abs_diff=max(p.max_abs_diff for p in parts))
