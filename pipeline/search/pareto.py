"""The Pareto front of the finished trials (int8 accuracy up, latency down, RAM down) and the
winner: the most accurate trial that fits the board and the latency limit."""

from __future__ import annotations

from collections.abc import Sequence


def dominates(a: dict, b: dict) -> bool:
    """``a`` is at least as good as ``b`` on int8 accuracy, latency and RAM, and better on one."""
    ge = (a["int8_accuracy"] >= b["int8_accuracy"] and a["latency_ms"] <= b["latency_ms"]
          and a["ram_bytes"] <= b["ram_bytes"])
    gt = (a["int8_accuracy"] > b["int8_accuracy"] or a["latency_ms"] < b["latency_ms"]
          or a["ram_bytes"] < b["ram_bytes"])
    return ge and gt


def front(rows: Sequence[dict]) -> list[dict]:
    """The rows no other row dominates, most accurate first."""
    kept = [r for r in rows if not any(dominates(o, r) for o in rows if o is not r)]
    return sorted(kept, key=rank)


def rank(row: dict) -> tuple:
    """Best first: int8 accuracy, then latency, then RAM, then the candidate's number."""
    return (-row["int8_accuracy"], row["latency_ms"], row["ram_bytes"], row["index"])


def eligible(row: dict, max_latency_ms: float | None) -> bool:
    return bool(row["fits"]) and (max_latency_ms is None or row["latency_ms"] <= max_latency_ms)


def winner(rows: Sequence[dict], max_latency_ms: float | None) -> dict | None:
    ok = [r for r in rows if eligible(r, max_latency_ms)]
    return min(ok, key=rank) if ok else None
