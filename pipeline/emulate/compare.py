"""Element-by-element comparison of integer outputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mismatch:
    vector: int
    position: tuple[int, ...]
    got: int
    expected: int


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
        return "; ".join(f"vector {m.vector} at {list(m.position)}: got {m.got}, expected {m.expected}"
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
