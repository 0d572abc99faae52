"""Figures with matplotlib (the optional ``report`` extra), embedded as PNG data URIs.

matplotlib is imported on first use with the non-interactive Agg backend, so a report never needs
a display, and its absence is one line naming the extra. PNGs are drawn at a modest resolution
(``DPI``) and without metadata: a figure is a few tens of kilobytes, and the same data gives the
same bytes.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

from ..errors import MissingDependencyError

DPI = 80
WIDTH = 9.0          # inches: 720 px at DPI


@dataclass(frozen=True)
class Figure:
    """One embedded figure: ``id`` is unique in the page (the tests look figures up by it)."""

    id: str
    title: str           # also the alt text
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend."""
    try:
        import matplotlib
    except ImportError as exc:
        raise MissingDependencyError("the report draws its figures with matplotlib: "
                                     "pip install 'mcuforge[report]'") from exc
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.titlesize": 10, "figure.autolayout": True,
                         "svg.hashsalt": "mcuforge"})
    return plt


def subplots(height: float = 3.2, ncols: int = 1, width: float = WIDTH, nrows: int = 1,
             **kwargs: Any) -> tuple[Any, Any]:
    return pyplot().subplots(nrows, ncols, figsize=(width, height), squeeze=True, **kwargs)


def render(fig: Any, id: str, title: str) -> Figure:
    """``fig`` as a PNG (closed afterwards)."""
    plt = pyplot()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return Figure(id, title, buf.getvalue())


def short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
