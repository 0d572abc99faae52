"""The fuzzers' starting corpora, made from real inputs at run time (never committed): the
MLPerf Tiny models beside the checkout and small models of many ops (tflite_builder) for the
reader, valid vectors files for the vectors loader, the project's recipes for the recipe loader."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

import tflite_builder as tb
from mcuforge.tflite.graph import (
    Activation,
    Conv2DOptions,
    FullyConnectedOptions,
    Padding,
    Pool2DOptions,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED_MODELS = REPO.parent / "shared" / "models"


def reader_seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    seeds = {p.name: p.read_bytes() for p in sorted(SHARED_MODELS.glob("*.tflite"))}
    seeds["softmax"] = tb.softmax_model((1, 10), (0.1, 3))
    seeds["fc"] = tb.fully_connected_model(
        (1, 8), rng.integers(-127, 128, (4, 8)), rng.integers(-100, 100, 4), (0.05, -3), [0.02] * 4,
        (0.1, 2), FullyConnectedOptions(activation=Activation.RELU))
    seeds["conv"] = tb.conv2d_model(
        (1, 6, 6, 2), rng.integers(-127, 128, (3, 3, 3, 2)), rng.integers(-50, 50, 3), (0.05, 1),
        [0.01, 0.02, 0.03], (0.1, -5), Conv2DOptions(padding=Padding.SAME, stride_w=1, stride_h=1))
    seeds["maxpool"] = tb.pool2d_model("MAX_POOL_2D", (1, 4, 4, 3), (0.1, 0), Pool2DOptions(
        padding=Padding.VALID, stride_w=2, stride_h=2, filter_w=2, filter_h=2))
    seeds["reshape"] = tb.reshape_model((1, 2, 3, 4), (1, 24), (0.1, 0))
    seeds["pad"] = tb.pad_model((1, 3, 3, 2), ((0, 0), (1, 1), (2, 0), (0, 0)), (0.1, 4))
    seeds["mean"] = tb.mean_model((1, 4, 4, 3), (1, 2), (0.1, 0), (0.1, 0))
    return seeds


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def vectors_seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, (3, 4, 3), dtype=np.int8)
    y = rng.integers(-2000, 2000, (3, 2), dtype=np.int16)
    return {"named": _npz(x=x, y=y), "indexed": _npz(input_0=x, input_1=y),
            "labels": _npz(x=x, y=y, labels=np.array([0, 5, 11])),
            "wrong_dtype": _npz(x=x.astype(np.int16), y=y), "single": _npz(inputs=x)}


def recipe_seeds() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((REPO / "models").glob("*.yaml"))}


SEEDS = {"reader": reader_seeds, "vectors": vectors_seeds, "recipe": recipe_seeds}


def seed_dir(target: str, folder: Path) -> Path:
    """``folder`` filled with the target's seeds (a libFuzzer corpus directory)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS[target]().items():
        (folder / name).write_bytes(data)
    return folder
