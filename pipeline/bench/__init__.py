"""`mcuforge bench`: models x emulated boards x kernel backends, measured in one run (README,
"Benchmarks"). ``measure`` does one cell, ``command`` the table."""

from __future__ import annotations

from .measure import BenchResult, compile_for, measure

__all__ = ["BenchResult", "compile_for", "measure"]
