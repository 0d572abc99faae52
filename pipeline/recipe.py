"""Recipes: the user-facing YAML that says what to train and how (models/*.yaml).

A recipe is parsed into frozen dataclasses; an unknown key, a wrong type or an unknown value is a
one-line RecipeError naming the file and the key (with a close match when there is one).
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import RecipeError


@dataclass(frozen=True)
class DatasetSpec:
    # "synthetic_speech": eSpeak NG set made locally (offline default), cached;
    # "speech_commands": a folder in the Google Speech Commands layout (``path`` or --data).
    kind: Literal["synthetic_speech", "speech_commands"] = "synthetic_speech"
    path: str | None = None
    clips_per_class: int = 1500          # synthetic_speech only
    seed: int = 0
    silence_fraction: float = 0.1        # silence clips per keyword clip of a split
    unknown_fraction: float = 0.1        # unknown-word clips per keyword clip of a split


@dataclass(frozen=True)
class FeatureSpec:
    kind: Literal["mfcc"] = "mfcc"       # the integer front end of pipeline.features


@dataclass(frozen=True)
class ModelSpec:
    architecture: Literal["ds_cnn"] = "ds_cnn"
    width: int = 64                      # channels of every conv layer
    blocks: int = 4                      # depthwise-separable blocks
    dropout: float = 0.2


@dataclass(frozen=True)
class TrainingSpec:
    epochs: int = 20
    batch_size: int = 100
    learning_rate: float = 0.003         # start of the cosine decay
    early_stopping_patience: int = 5     # epochs without a better validation accuracy
    batchnorm_momentum: float = 0.9
    seed: int = 0


@dataclass(frozen=True)
class QuantizationSpec:
    representative_samples: int = 500    # drawn from the training split


@dataclass(frozen=True)
class Recipe:
    name: str
    path: Path
    task: Literal["keyword_spotting"] = "keyword_spotting"
    description: str = ""
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    features: FeatureSpec = field(default_factory=FeatureSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    quantization: QuantizationSpec = field(default_factory=QuantizationSpec)


def _close(word: str, options: list[str]) -> str:
    match = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _convert(where: str, value: Any, annotation: Any, source: Path) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        choices = list(typing.get_args(annotation))
        if value not in choices:
            raise RecipeError(f"{source}: {where}: unknown value {value!r}{_close(str(value), choices)}; "
                              f"choose one of {', '.join(map(str, choices))}")
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        if value is None and type(None) in args:
            return None
        return _convert(where, value, next(a for a in args if a is not type(None)), source)
    if dataclasses.is_dataclass(annotation):
        return _build(annotation, value, source, where + ".")
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation in (int, float, str, bool) and (type(value) is not annotation):
        raise RecipeError(f"{source}: {where}: expected {annotation.__name__}, got {value!r}")
    return value


def _build(cls: type, data: Any, source: Path, prefix: str = "", **fixed: Any) -> Any:
    if not isinstance(data, dict):
        raise RecipeError(f"{source}: {prefix.rstrip('.') or 'recipe'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in fixed]
    kwargs = dict(fixed)
    for key, value in data.items():
        if key not in names:
            raise RecipeError(f"{source}: unknown key '{prefix}{key}'{_close(str(key), names)}")
        kwargs[key] = _convert(prefix + key, value, hints[key], source)
    return cls(**kwargs)


def load_recipe(path: str | Path) -> Recipe:
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"{path}: no such recipe file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise RecipeError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: expected a mapping of recipe keys")
    data = dict(data)
    name = data.pop("name", path.stem)
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
        raise RecipeError(f"{path}: name: expected letters, digits, '_' or '-', got {name!r}")
    return _build(Recipe, data, path, name=name, path=path)
