"""Detections of a stream, labels of a stream (CSV word,start,end in seconds), and scoring.

Matching rule: a label is hit by the first unused detection of the same word whose time lies in
[start, end + tolerance] (the time of a detection is the end of the audio it had heard, so it
comes after the word; ``tolerance`` default 1.0 s, the length of the model's window). Every
detection matches at most one label. A detection that matches no label is a false alarm,
whatever its word (a wrong word during a keyword counts as a false alarm, and the keyword as a
miss unless another detection hits it).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatasetError
from .config import SAMPLE_RATE

DEFAULT_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class Detection:
    word: str
    sample: int          # samples heard when it fired
    score: int           # window sum of (q - zero point)

    @property
    def seconds(self) -> float:
        return self.sample / SAMPLE_RATE


@dataclass(frozen=True)
class StreamRun:
    detections: tuple[Detection, ...]
    samples: int
    hops: int
    inferences: int
    frontend_instructions: int | None = None     # summed over the hops (emulated board)
    model_instructions: int | None = None        # summed over the inferences


@dataclass(frozen=True)
class Label:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class Score:
    labels: int
    hits: int
    false_alarms: int
    hours: float
    tolerance_s: float
    missed: tuple[Label, ...]
    false: tuple[Detection, ...]

    @property
    def recall(self) -> float:
        return self.hits / self.labels if self.labels else math.nan

    @property
    def false_alarms_per_hour(self) -> float:
        return self.false_alarms / self.hours if self.hours else math.nan


class LabelsError(DatasetError):
    """A labels CSV that cannot be read."""


def read_labels(path: str | Path, words: tuple[str, ...] | None = None) -> tuple[Label, ...]:
    """``word,start,end`` rows (seconds; an optional header row ``word,start,end``). One-line
    LabelsError naming the file and row for anything else; ``words``: the allowed words."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"{path}: cannot read the labels ({getattr(exc, 'strerror', None) or exc})") from None
    labels = []
    for row_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        cells = [c.strip() for c in row]
        if row_no == 1 and [c.lower() for c in cells] == ["word", "start", "end"]:
            continue
        if len(cells) != 3:
            raise LabelsError(f"{path}: row {row_no}: expected word,start,end, got {len(cells)} "
                              f"fields ({','.join(cells)[:60]!r})")
        word = cells[0]
        try:
            start, end = float(cells[1]), float(cells[2])
        except ValueError:
            raise LabelsError(f"{path}: row {row_no}: start and end must be seconds, got "
                              f"{cells[1]!r}, {cells[2]!r}") from None
        if not (math.isfinite(start) and math.isfinite(end) and 0 <= start <= end):
            raise LabelsError(f"{path}: row {row_no}: need 0 <= start <= end, got {start}, {end}")
        if not word or (words is not None and word not in words):
            raise LabelsError(f"{path}: row {row_no}: {word!r} is not a keyword of the model "
                              f"({', '.join(words or ())})")
        labels.append(Label(word, start, end))
    return tuple(sorted(labels, key=lambda la: la.start))


def score(detections: tuple[Detection, ...], labels: tuple[Label, ...], seconds: float,
          tolerance_s: float = DEFAULT_TOLERANCE_S) -> Score:
    """Hits, misses and false alarms by the matching rule of this module's docstring."""
    used = [False] * len(detections)
    missed = []
    for label in labels:
        for i, det in enumerate(detections):
            if (not used[i] and det.word == label.word
                    and label.start <= det.seconds <= label.end + tolerance_s):
                used[i] = True
                break
        else:
            missed.append(label)
    false = tuple(d for d, u in zip(detections, used) if not u)
    return Score(labels=len(labels), hits=len(labels) - len(missed), false_alarms=len(false),
                 hours=seconds / 3600.0, tolerance_s=tolerance_s, missed=tuple(missed),
                 false=false)
