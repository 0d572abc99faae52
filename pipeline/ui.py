"""What a person sees of a command: progress bars while it works, then a summary table (and the
same figures as one JSON line for machines). Shared by every stage's command."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass
class Summary:
    """Rows shown as a table (label, text) and the same figures as JSON (key -> value)."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(self, label: str, text: str, key: str | None = None, value: Any = None) -> None:
        self.rows.append((label, text))
        if key is not None:
            self.data[key] = value

    def print(self, as_json: bool) -> None:
        table = Table(title=self.title, show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        for label, text in self.rows:
            table.add_row(label, text)
        Console(file=sys.stderr if as_json else sys.stdout).print(table)
        if as_json:
            print(json.dumps(self.data, sort_keys=True, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def percent(x: float) -> str:
    return f"{100 * x:.2f} %"


def nbytes(n: int) -> str:
    return f"{n:,} B"


def progress_bar(total: int, desc: str, enabled: bool = True, unit: str = "it"):
    """The one progress bar of mcuforge: tqdm on stderr; off when ``enabled`` is false, and when
    stderr is not a terminal (logs and CI stay readable)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=None if enabled else True, leave=False)
