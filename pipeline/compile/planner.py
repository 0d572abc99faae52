"""Static arena planning from tensor lifetimes.

Every non-constant tensor gets one slot in a single arena. Two tensors may share bytes only if their
lifetimes [first_use, last_use] (in kernel-call indices) do not overlap. A kernel call reads its
inputs while writing its outputs, so an output is live from the call that writes it and an input
until the call that last reads it: they never share bytes within one call.

Placement: tensors are taken largest first (ties: earliest first use, then index) and each goes at
the lowest aligned offset where it overlaps no already-placed tensor that is live at the same time.
This greedy-by-size rule is what TFLite-Micro's planner does too; the arena size is the highest end.

A persistent lifetime (a variable tensor: SVDF's or the LSTM's state) is live over every call and
from one inference to the next, so it overlaps every other lifetime and no byte of it is ever
shared. Persistent slots are placed first, so they sit together at the start of the arena.
"""

from __future__ import annotations

from dataclasses import dataclass

from .program import ArenaSlot

ARENA_ALIGNMENT = 16  # bytes; every slot offset and the arena size are multiples of this


@dataclass(frozen=True)
class Lifetime:
    tensor: int
    size: int        # bytes
    first_use: int
    last_use: int
    persistent: bool = False   # live across all calls and inferences (first/last_use: the bounds)

    def overlaps(self, other: Lifetime) -> bool:
        if self.persistent or other.persistent:
            return True
        return self.first_use <= other.last_use and other.first_use <= self.last_use


def _align(n: int) -> int:
    return (n + ARENA_ALIGNMENT - 1) // ARENA_ALIGNMENT * ARENA_ALIGNMENT


def plan_arena(lifetimes: list[Lifetime]) -> tuple[tuple[ArenaSlot, ...], int]:
    """Returns (slots in tensor-index order, arena size in bytes)."""
    placed: list[tuple[Lifetime, int]] = []
    order = sorted(lifetimes, key=lambda t: (not t.persistent, -t.size, t.first_use, t.tensor))
    for life in order:
        # Byte ranges already taken by tensors live at the same time, sorted by offset.
        busy = sorted((off, off + _align(other.size)) for other, off in placed if other.overlaps(life))
        offset = 0
        for start, end in busy:
            if offset + _align(life.size) <= start:
                break
            offset = max(offset, end)
        placed.append((life, offset))
    size = max((off + _align(life.size) for life, off in placed), default=0)
    slots = tuple(sorted((ArenaSlot(life.tensor, off, life.size, life.first_use, life.last_use,
                                    life.persistent)
                          for life, off in placed), key=lambda s: s.tensor))
    return slots, size


def check_plan(slots: tuple[ArenaSlot, ...], arena_size: int) -> None:
    """Asserts the plan's invariant; used by tests and as a guard before code generation."""
    for s in slots:
        assert s.offset % ARENA_ALIGNMENT == 0 and s.offset + s.size <= arena_size, s
    for i, a in enumerate(slots):
        for b in slots[i + 1:]:
            live_together = (a.persistent or b.persistent
                             or (a.first_use <= b.last_use and b.first_use <= a.last_use))
            disjoint = a.offset + a.size <= b.offset or b.offset + b.size <= a.offset
            assert not live_together or disjoint, (a, b)
