"""The features step: a recipe's dataset -> the model inputs of every split (a ``FeatureSet``).

Keyword spotting: the Speech Commands folder (the user's, or the synthetic set, made and cached)
through the integer front end (``frontend.compute_features``). Images: the recipe's image dataset,
resized and converted to uint8 pixels by the data stage.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..recipe import Recipe
from .featureset import FeatureSet

FOLDER_KINDS = ("image_folder", "cifar10")


def prepare_inputs(recipe: Recipe, data_override: str | None, progress: bool) -> tuple[FeatureSet, str]:
    """The model inputs of every split for the recipe's task, and where the data came from."""
    if recipe.is_image:
        return make_image_inputs(recipe, data_override, progress)
    root = dataset_root(recipe, data_override, progress)
    return make_features(recipe, root, progress), str(root)


def dataset_root(recipe: Recipe, data_override: str | None, progress: bool) -> Path:
    """The Speech Commands folder to read: the user's, or the synthetic set (made and cached)."""
    spec = recipe.dataset
    if data_override or spec.kind == "speech_commands":
        root = data_override or spec.path
        if not root:
            raise DatasetError(f"{recipe.path}: dataset.kind is speech_commands but no dataset.path "
                               "is set (or pass --data FOLDER)")
        return Path(os.path.expanduser(root))
    from ..data.synth import default_synth_dir, synthesize_speech_commands

    out = default_synth_dir(spec.clips_per_class, spec.seed)
    return synthesize_speech_commands(out, clips_per_class=spec.clips_per_class, seed=spec.seed,
                                      progress=progress)


def make_features(recipe: Recipe, root: Path, progress: bool) -> FeatureSet:
    """Front-end features of every split of the Speech Commands folder ``root``."""
    from ..data import load_speech_commands
    from .frontend import FEATURE_SCALE, compute_features

    spec = recipe.dataset
    ds = load_speech_commands(root, silence_fraction=spec.silence_fraction,
                              unknown_fraction=spec.unknown_fraction,
                              train_unknown_fraction=spec.train_unknown_fraction, seed=spec.seed,
                              progress=progress)
    feats = {name: compute_features(split.audio, progress=progress)
             for name, split in (("train", ds.train), ("val", ds.validation), ("test", ds.test))}
    return FeatureSet(classes=tuple(ds.classes), scale=float(FEATURE_SCALE),
                      x_train=feats["train"][..., None], y_train=ds.train.labels.astype(np.int64),
                      x_val=feats["val"][..., None], y_val=ds.validation.labels.astype(np.int64),
                      x_test=feats["test"][..., None], y_test=ds.test.labels.astype(np.int64))


def image_dataset_kind(recipe: Recipe, data_override: str | None) -> tuple[str, Path | None]:
    """The image dataset kind to read and its folder. ``--data`` replaces ``dataset.path``; with a
    generated kind (digits, synthetic_images) it switches to cifar10 when the folder holds
    ``batches.meta``, else to image_folder."""
    from ..data.images.cifar10 import META

    kind, path = recipe.dataset.kind, recipe.dataset.path
    assert kind is not None   # Recipe.__post_init__ resolves the task's default
    if data_override:
        path = data_override
        if kind not in FOLDER_KINDS:
            kind = "cifar10" if (Path(os.path.expanduser(path)) / META).is_file() else "image_folder"
    if kind in FOLDER_KINDS:
        if not path:
            raise DatasetError(f"{recipe.path}: dataset.kind is {kind} but no dataset.path is set "
                               "(or pass --data FOLDER)")
        root = Path(os.path.expanduser(path))
        if not root.exists():
            how = "given by --data" if data_override else \
                f"dataset.path of {recipe.path}; or pass --data FOLDER"
            raise DatasetError(f"{root}: dataset folder not found ({how})")
        return kind, root
    return kind, None


def make_image_inputs(recipe: Recipe, data_override: str | None, progress: bool) -> tuple[FeatureSet, str]:
    from ..data import images

    spec, ft = recipe.dataset, recipe.features
    kind, root = image_dataset_kind(recipe, data_override)
    if kind == "image_folder":
        assert root is not None   # image_dataset_kind returns the folder of a folder kind
        ds = images.load_image_folder(root, size=ft.size, channels=ft.channels, resize=ft.resize,
                                      validation_fraction=spec.validation_fraction,
                                      test_fraction=spec.test_fraction, seed=spec.seed, progress=progress)
    elif kind == "cifar10":
        assert root is not None
        ds = images.load_cifar10(root, size=ft.size, channels=ft.channels,
                                 validation_fraction=spec.validation_fraction, seed=spec.seed,
                                 progress=progress)
    elif kind == "digits":
        ds = images.load_digits(size=ft.size, channels=ft.channels,
                                validation_fraction=spec.validation_fraction,
                                test_fraction=spec.test_fraction, seed=spec.seed)
    else:
        ds = images.make_synthetic_images(size=ft.size, channels=ft.channels,
                                          images_per_class=spec.images_per_class,
                                          validation_fraction=spec.validation_fraction,
                                          test_fraction=spec.test_fraction, seed=spec.seed)
    return FeatureSet(classes=ds.classes, scale=images.PIXEL_SCALE,
                      x_train=ds.train.images, y_train=ds.train.labels,
                      x_val=ds.validation.images, y_val=ds.validation.labels,
                      x_test=ds.test.images, y_test=ds.test.labels), ds.source
