"""Recipes: the user-facing YAML that says what to train and how (models/*.yaml).

A recipe is parsed into frozen dataclasses; an unknown key, a wrong type or an unknown value is a
one-line RecipeError naming the file and the key (with a close match when there is one). So is a
key that does not apply to what the recipe chose (``dataset.clips_per_class`` with
``dataset.kind: cifar10``) and a choice that does not fit the task (``task: keyword_spotting`` with
``dataset.kind: cifar10``).

Two tasks share one recipe format:

- ``keyword_spotting``: audio datasets, the integer MFCC front end, DS-CNN;
- ``image_classification``: image datasets resized to ``features.size`` x ``features.size`` with
  ``features.channels`` channels, pixels scaled to [0, 1] in the data pipeline; CNN, MobileNetV1,
  ResNet-8; optional training-time augmentation.

Keys left out take defaults that depend on the task and the architecture (``ARCHITECTURES``); the
loaded recipe holds the resolved values, so no later stage guesses.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

import yaml

from .errors import RecipeError

KWS = "keyword_spotting"
IMAGES = "image_classification"

# dataset.kind -> the task it serves
DATASET_TASKS = {
    "synthetic_speech": KWS, "speech_commands": KWS,
    "image_folder": IMAGES, "cifar10": IMAGES, "digits": IMAGES, "synthetic_images": IMAGES,
}
# features.kind -> task
FEATURE_TASKS = {"mfcc": KWS, "image": IMAGES}
DatasetKind = Literal["synthetic_speech", "speech_commands", "image_folder", "cifar10", "digits",
                      "synthetic_images"]
FeatureKind = Literal["mfcc", "image"]
ArchitectureName = Literal["ds_cnn", "cnn", "mobilenet_v1", "resnet8"]


class _TaskDefaults(TypedDict):
    dataset: DatasetKind
    features: FeatureKind
    architecture: ArchitectureName


# task -> defaults of the keys whose default depends on it
TASK_DEFAULTS: dict[str, _TaskDefaults] = {
    KWS: {"dataset": "synthetic_speech", "features": "mfcc", "architecture": "ds_cnn"},
    IMAGES: {"dataset": "digits", "features": "image", "architecture": "cnn"},
}


@dataclass(frozen=True)
class Architecture:
    """What a model.architecture serves and which model keys it takes, with their defaults.
    ``width`` is a channel count (an integer) except for MobileNetV1, where it is the width
    multiplier alpha."""

    task: str
    defaults: dict[str, Any]
    integer_width: bool = True


ARCHITECTURES = {
    "ds_cnn": Architecture(KWS, {"width": 64, "blocks": 4, "kernel_size": 3, "dropout": 0.2}),
    "cnn": Architecture(IMAGES, {"width": 16, "blocks": 2, "kernel_size": 3, "dropout": 0.25}),
    "mobilenet_v1": Architecture(IMAGES, {"width": 0.25, "dropout": 0.1}, integer_width=False),
    "resnet8": Architecture(IMAGES, {"width": 16, "dropout": 0.0}),
}


def _only(*kinds: str) -> dict:
    """Field metadata: the key applies only when the section's ``kind``/``architecture`` is one of
    ``kinds``."""
    return {"only": kinds}


@dataclass(frozen=True)
class DatasetSpec:
    # keyword_spotting: "synthetic_speech" (eSpeak NG set made locally, cached; the offline
    # default), "speech_commands" (a folder in the Google Speech Commands layout: ``path`` or --data).
    # image_classification: "digits" (scikit-learn's bundled 8x8 digits, scaled up; the offline
    # default), "synthetic_images" (generated shapes and stripes, for quick runs), "image_folder"
    # (one folder per class), "cifar10" (the CIFAR-10 python batches).
    # None: the task's default.
    kind: DatasetKind | None = None
    path: str | None = field(default=None, metadata=_only("speech_commands", "image_folder", "cifar10"))
    clips_per_class: int = field(default=1500, metadata=_only("synthetic_speech"))
    seed: int = 0
    # silence / unknown-word clips per keyword clip of a split
    silence_fraction: float = field(default=0.1, metadata=_only("synthetic_speech", "speech_commands"))
    unknown_fraction: float = field(default=0.1, metadata=_only("synthetic_speech", "speech_commands"))
    # the training split's instead (None: unknown_fraction): more unknown words to learn from
    # while validation and test keep the usual mix
    train_unknown_fraction: float | None = field(default=None, metadata=_only("synthetic_speech",
                                                                              "speech_commands"))
    images_per_class: int = field(default=50, metadata=_only("synthetic_images"))
    # Fractions of every class held out (seeded, stratified) when the data has no such split of its
    # own: image folders without split subfolders, digits, synthetic images; CIFAR-10 validation.
    validation_fraction: float = field(default=0.1, metadata=_only(
        "image_folder", "cifar10", "digits", "synthetic_images"))
    test_fraction: float = field(default=0.1, metadata=_only("image_folder", "digits", "synthetic_images"))


@dataclass(frozen=True)
class FeatureSpec:
    # "mfcc": the integer front end of mcuforge.features (keyword spotting);
    # "image": pixels resized to size x size with ``channels`` channels (image classification).
    kind: FeatureKind | None = None
    size: int = field(default=32, metadata=_only("image"))          # pixels per side (square)
    channels: Literal[1, 3] = field(default=3, metadata=_only("image"))  # 1 grayscale, 3 RGB
    # "stretch": resize the whole image; "center_crop": crop the largest centred square first
    resize: Literal["stretch", "center_crop"] = field(default="stretch", metadata=_only("image"))


@dataclass(frozen=True)
class ModelSpec:
    architecture: ArchitectureName | None = None
    # ds_cnn: channels of every conv layer; cnn: channels of the first block (doubling per block);
    # resnet8: filters of the first stack (then 2x, 4x); mobilenet_v1: width multiplier alpha.
    width: float | None = None
    blocks: int | None = field(default=None, metadata=_only("ds_cnn", "cnn"))
    # ds_cnn: of the depthwise convolutions; cnn: of every convolution (square, odd)
    kernel_size: int | None = field(default=None, metadata=_only("ds_cnn", "cnn"))
    dropout: float | None = None         # before the classifier (ds_cnn: also after the first conv)

    def __post_init__(self) -> None:
        arch = ARCHITECTURES.get(self.architecture) if self.architecture is not None else None
        if arch is None:
            return
        for key, value in arch.defaults.items():
            if getattr(self, key) is None:
                object.__setattr__(self, key, value)
        if arch.integer_width and isinstance(self.width, float) and self.width.is_integer():
            object.__setattr__(self, "width", int(self.width))


@dataclass(frozen=True)
class TrainingSpec:
    epochs: int = 20
    batch_size: int = 100
    learning_rate: float = 0.003         # start of the cosine decay
    early_stopping_patience: int = 5     # epochs without a better validation accuracy
    batchnorm_momentum: float = 0.9
    seed: int = 0


@dataclass(frozen=True)
class AugmentationSpec:
    """Random changes to training examples, made in the input pipeline: never part of the exported
    model, never applied to validation or test examples. Images: flips, shift, crop_padding
    (image_classification only). Keyword spotting: stream_windows (train.stream_windows)."""

    horizontal_flip: bool = False
    vertical_flip: bool = False
    shift: float = 0.0                   # random translation up to this fraction of the size, zero fill
    crop_padding: int = 0                # pad this many pixels (mirrored), crop a random window back
    stream_windows: float = 0.0          # KWS: this fraction of the training clips, each epoch,
    #                                      replaced by a shifted window with a neighbour's frames


@dataclass(frozen=True)
class QuantizationSpec:
    representative_samples: int = 500    # drawn from the training split


STREAM_MAX_WINDOW = 16   # MF_STREAM_MAX_WINDOW of firmware/app/mf_stream.h


@dataclass(frozen=True)
class StreamSpec:
    """Streaming keyword spotting (keyword_spotting only; pipeline.stream, firmware/app/mf_stream.c):
    the front end runs every 20 ms hop on the newest 30 ms of audio, the model every
    ``infer_every_hops`` hops on the last 49 frames; a keyword fires when its posterior averaged
    over the last ``average_window`` inferences reaches ``threshold``, and then no keyword fires
    for ``refractory_s`` seconds."""

    infer_every_hops: int = 4            # 80 ms between inferences
    average_window: int = 4              # inferences averaged (1..16)
    threshold: float = 0.95              # mean posterior, in (0, 1)
    refractory_s: float = 1.5            # seconds without a detection after one


# The recipe sections a search may vary (search.space keys are "<section>.<key>"). The dataset is
# left out (a search compares models on one data set) and so is training.epochs (search.epochs).
SEARCHABLE_SECTIONS = ("features", "model", "training", "augmentation", "quantization")
NOT_SEARCHABLE = {"training.epochs"}


@dataclass(frozen=True)
class SearchSpec:
    """What `mcuforge search` varies and how long each candidate trains. ``space`` maps a recipe
    key ("model.width") to its choices; the candidates are the combinations (all of them, or
    ``candidates`` drawn with ``seed`` when there are more)."""

    space: dict[str, list] = field(default_factory=dict)
    epochs: int = 2                      # per candidate: the winner's recipe trains as many
    candidates: int = 8                  # drawn from the space (every one when it has fewer)
    seed: int = 0                        # which candidates are drawn
    # latency = instructions x cycles_per_instruction / the board's clock (an assumption: the
    # emulator counts instructions, not cycles)
    cycles_per_instruction: float = 1.0


@dataclass(frozen=True)
class Recipe:
    name: str
    path: Path
    task: Literal["keyword_spotting", "image_classification"] = "keyword_spotting"
    description: str = ""
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    features: FeatureSpec = field(default_factory=FeatureSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    augmentation: AugmentationSpec = field(default_factory=AugmentationSpec)
    quantization: QuantizationSpec = field(default_factory=QuantizationSpec)
    stream: StreamSpec = field(default_factory=StreamSpec)
    search: SearchSpec | None = None     # only `mcuforge search` reads it

    def __post_init__(self) -> None:
        # Task-dependent defaults of the keys left out, so the loaded recipe holds resolved values.
        defaults = TASK_DEFAULTS[self.task]
        if self.dataset.kind is None:
            object.__setattr__(self, "dataset", dataclasses.replace(self.dataset, kind=defaults["dataset"]))
        if self.features.kind is None:
            object.__setattr__(self, "features", dataclasses.replace(self.features, kind=defaults["features"]))
        if self.model.architecture is None:
            object.__setattr__(self, "model", dataclasses.replace(self.model, architecture=defaults["architecture"]))

    @property
    def is_image(self) -> bool:
        return self.task == IMAGES

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """The float model's input shape (without batch) for images; None for keyword spotting,
        whose shape comes from the front end."""
        if not self.is_image:
            return None
        return (self.features.size, self.features.size, self.features.channels)


def _close(word: str, options: list[str]) -> str:
    match = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _convert(where: str, value: Any, annotation: Any, source: Path) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        choices = list(typing.get_args(annotation))
        # exact types: YAML `true` must not pass for the choice 1
        if not any(value == c and type(value) is type(c) for c in choices):
            close = _close(str(value), list(map(str, choices)))
            raise RecipeError(f"{source}: {where}: unknown value {value!r}{close}; "
                              f"choose one of {', '.join(map(str, choices))}")
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        if value is None and type(None) in args:
            return None
        return _convert(where, value, next(a for a in args if a is not type(None)), source)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
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


# ---------------------------------------------------------------- checks across keys

def _check_applicable(source: Path, section: str, spec: Any, selector: str, given: dict) -> None:
    """Keys the user wrote in ``section`` that do not apply to its ``selector`` value."""
    chosen = getattr(spec, selector)
    for f in dataclasses.fields(spec):
        only = f.metadata.get("only")
        if only and f.name in given and chosen not in only:
            raise RecipeError(f"{source}: {section}.{f.name} does not apply to {section}.{selector} "
                              f"{chosen} (only to {', '.join(only)})")


def _positive(source: Path, where: str, value: float | int | None, *, allow_zero: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not allow_zero)):
        raise RecipeError(f"{source}: {where}: must be {'>= 0' if allow_zero else 'positive'}, got {value}")


def _check(recipe: Recipe, data: dict) -> None:
    src = recipe.path
    task = recipe.task
    sections: dict[str, dict] = {k: data[k] if isinstance(data.get(k), dict) else {} for k in
                                 ("dataset", "features", "model", "augmentation")}
    ds, ft, md, aug = recipe.dataset, recipe.features, recipe.model, recipe.augmentation
    # Recipe.__post_init__ and ModelSpec.__post_init__ resolved the task- and architecture-dependent
    # defaults, so these are set (md.blocks only for the architectures that take it).
    assert ds.kind is not None and ft.kind is not None and md.architecture is not None
    assert md.width is not None and md.dropout is not None

    # choices that must fit the task
    if DATASET_TASKS[ds.kind] != task:
        raise RecipeError(f"{src}: dataset.kind {ds.kind} is for {DATASET_TASKS[ds.kind]}, "
                          f"but task is {task}")
    if FEATURE_TASKS[ft.kind] != task:
        raise RecipeError(f"{src}: features.kind {ft.kind} is for {FEATURE_TASKS[ft.kind]}, "
                          f"but task is {task}")
    arch = ARCHITECTURES[md.architecture]
    if arch.task != task:
        raise RecipeError(f"{src}: model.architecture {md.architecture} is for {arch.task}, "
                          f"but task is {task}")
    if isinstance(data.get("stream"), dict) and task != KWS:
        raise RecipeError(f"{src}: stream applies to task {KWS} only")
    for key in sections["augmentation"]:
        kws_key = key == "stream_windows"
        if kws_key != (task == KWS):
            raise RecipeError(f"{src}: augmentation.{key} applies to task "
                              f"{KWS if kws_key else IMAGES} only")
    if not 0.0 <= aug.stream_windows <= 1.0:
        raise RecipeError(f"{src}: augmentation.stream_windows: a fraction of the training clips, "
                          f"must be in [0, 1], got {aug.stream_windows}")

    # keys that do not apply to the kind / architecture chosen
    _check_applicable(src, "dataset", ds, "kind", sections["dataset"])
    _check_applicable(src, "features", ft, "kind", sections["features"])
    _check_applicable(src, "model", md, "architecture", sections["model"])

    # values
    if ds.kind == "synthetic_speech":
        _positive(src, "dataset.clips_per_class", ds.clips_per_class)
    if ds.kind == "synthetic_images":
        _positive(src, "dataset.images_per_class", ds.images_per_class)
    for key in ("silence_fraction", "unknown_fraction", "train_unknown_fraction"):
        _positive(src, f"dataset.{key}", getattr(ds, key), allow_zero=True)
    for key in ("validation_fraction", "test_fraction"):
        value = getattr(ds, key)
        if not 0.0 <= value < 1.0:
            raise RecipeError(f"{src}: dataset.{key}: must be in [0, 1), got {value}")
    if ds.validation_fraction + ds.test_fraction >= 1.0 and ds.kind in ("image_folder", "digits",
                                                                          "synthetic_images"):
        raise RecipeError(f"{src}: dataset.validation_fraction + dataset.test_fraction must be < 1, "
                          f"got {ds.validation_fraction} + {ds.test_fraction}")
    if ft.kind == "image":
        _positive(src, "features.size", ft.size)
    width = md.width
    _positive(src, "model.width", width)
    if arch.integer_width and not float(width).is_integer():
        raise RecipeError(f"{src}: model.width: {md.architecture} takes a whole number of channels, "
                          f"got {width}")
    _positive(src, "model.blocks", md.blocks)
    if md.kernel_size is not None and (md.kernel_size < 1 or md.kernel_size % 2 == 0):
        raise RecipeError(f"{src}: model.kernel_size: must be a positive odd number, got {md.kernel_size}")
    if not 0.0 <= md.dropout < 1.0:
        raise RecipeError(f"{src}: model.dropout: must be in [0, 1), got {md.dropout}")
    if md.architecture == "cnn" and md.blocks is not None and ft.size < 2 ** md.blocks:
        raise RecipeError(f"{src}: features.size {ft.size} is too small for model.blocks {md.blocks} "
                          f"(every block halves the image; needs at least {2 ** md.blocks})")
    _positive(src, "augmentation.shift", aug.shift, allow_zero=True)
    if aug.shift >= 1.0:
        raise RecipeError(f"{src}: augmentation.shift: a fraction of the image size, must be < 1, got {aug.shift}")
    _positive(src, "augmentation.crop_padding", aug.crop_padding, allow_zero=True)
    if aug.crop_padding >= ft.size and task == IMAGES:
        raise RecipeError(f"{src}: augmentation.crop_padding {aug.crop_padding} must be smaller than "
                          f"features.size {ft.size} (the padding mirrors the image)")
    tr = recipe.training
    for key in ("epochs", "batch_size", "learning_rate", "early_stopping_patience"):
        _positive(src, f"training.{key}", getattr(tr, key))
    _positive(src, "quantization.representative_samples", recipe.quantization.representative_samples)
    st = recipe.stream
    _positive(src, "stream.infer_every_hops", st.infer_every_hops)
    _positive(src, "stream.refractory_s", st.refractory_s, allow_zero=True)
    if not 1 <= st.average_window <= STREAM_MAX_WINDOW:
        raise RecipeError(f"{src}: stream.average_window: must be in 1..{STREAM_MAX_WINDOW}, "
                          f"got {st.average_window}")
    if not 0.0 < st.threshold < 1.0:
        raise RecipeError(f"{src}: stream.threshold: a mean posterior, must be in (0, 1), "
                          f"got {st.threshold}")
    if recipe.search is not None:
        _check_search(src, recipe.search)


def _check_search(src: Path, spec: SearchSpec) -> None:
    """The search section on its own: known keys, non-empty lists of distinct choices. Whether
    every combination is a valid recipe is the search's own check (it builds each one)."""
    if not isinstance(spec.space, dict) or not spec.space:
        raise RecipeError(f"{src}: search.space: empty; give at least one recipe key and its "
                          f"choices, e.g. model.width: [8, 16]")
    for key, choices in spec.space.items():
        where = f"search.space.{key}"
        section, _, name = str(key).partition(".")
        if section not in SEARCHABLE_SECTIONS or not name or "." in name:
            raise RecipeError(f"{src}: {where}: not a searchable key; give <section>.<key> with "
                              f"section one of {', '.join(SEARCHABLE_SECTIONS)}")
        names = [f.name for f in dataclasses.fields(typing.get_type_hints(Recipe)[section])]
        if name not in names:
            raise RecipeError(f"{src}: {where}: unknown key '{section}.{name}'{_close(name, names)}")
        if key in NOT_SEARCHABLE:
            raise RecipeError(f"{src}: {where}: set by search.epochs, not searchable")
        if not isinstance(choices, list) or not choices:
            raise RecipeError(f"{src}: {where}: expected a non-empty list of choices, got {choices!r}")
        if any(isinstance(c, (dict, list)) for c in choices):
            raise RecipeError(f"{src}: {where}: choices must be single values, got {choices!r}")
        seen = [repr(c) for c in choices]
        if len(set(seen)) != len(seen):
            raise RecipeError(f"{src}: {where}: a choice appears twice in {choices!r}")
    for key in ("epochs", "candidates"):
        _positive(src, f"search.{key}", getattr(spec, key))
    _positive(src, "search.cycles_per_instruction", spec.cycles_per_instruction)


def load_recipe(path: str | Path) -> Recipe:
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"{path}: no such recipe file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RecipeError(f"{path}: not a text file (byte {exc.start} is not UTF-8)") from None
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise RecipeError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: expected a mapping of recipe keys")
    return recipe_from_data(data, path)


def recipe_from_data(data: dict, path: Path) -> Recipe:
    """The recipe of already-parsed YAML ``data`` (the keys of a recipe file), checked as
    load_recipe checks a file; ``path`` names it in errors (and is the file a stage copies)."""
    data = dict(data)
    name = data.pop("name", path.stem)
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
        raise RecipeError(f"{path}: name: expected letters, digits, '_' or '-', got {name!r}")
    recipe = _build(Recipe, data, path, name=name, path=path)
    _check(recipe, data)
    return recipe
