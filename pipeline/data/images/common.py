"""What every image reader returns, and the steps they share: resizing, channel conversion and
the seeded stratified split.

Conventions (every reader follows them):
- images are uint8 ``[N, size, size, channels]`` (HWC, channels 1 = grayscale or 3 = RGB), as
  stored pixels; the float model sees ``pixel / 255`` (in [0, 1]); see ``PIXEL_SCALE``.
- grayscale from RGB uses Pillow's ITU-R 601-2 luma (``L = R*299/1000 + G*587/1000 + B*114/1000``);
  RGB from grayscale repeats the channel.
- resizing uses Pillow's bilinear filter (antialiased when shrinking); ``center_crop`` first cuts
  the largest centred square, ``stretch`` resizes the whole image.
- classes are sorted names; labels are int64 indices into them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import MissingDependencyError

PIXEL_SCALE = 1.0 / 255.0   # float model input = uint8 pixel * PIXEL_SCALE, in [0, 1]
SPLIT_NAMES = ("train", "validation", "test")
MAX_LISTED_PROBLEMS = 5     # bad files named in an error message; the rest are counted


@dataclass(frozen=True, eq=False)
class ImageSplit:
    """One split: ``images`` uint8 [N, H, W, C], ``labels`` int64 [N], ``sources[i]`` where row i
    came from (a path relative to the dataset root, or ``<file>#<index>`` inside a batch file)."""

    images: np.ndarray
    labels: np.ndarray
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8 or self.images.ndim != 4:
            raise ValueError(f"ImageSplit.images must be uint8 [N, H, W, C], got {self.images.dtype} "
                             f"{self.images.shape}")
        if self.labels.dtype != np.int64 or self.labels.shape != (len(self.images),):
            raise ValueError(f"ImageSplit.labels must be int64 [{len(self.images)}], got "
                             f"{self.labels.dtype} {self.labels.shape}")
        if len(self.sources) != len(self.images):
            raise ValueError(f"ImageSplit.sources has {len(self.sources)} entries for "
                             f"{len(self.images)} images")

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, index: np.ndarray) -> ImageSplit:
        return ImageSplit(self.images[index], self.labels[index],
                          tuple(self.sources[i] for i in index))


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """An image classification dataset: sorted class names and three splits of equal-shaped images."""

    classes: tuple[str, ...]
    train: ImageSplit
    validation: ImageSplit
    test: ImageSplit
    source: str            # the folder read, or a description of a generated set

    def split(self, name: str) -> ImageSplit:
        if name not in SPLIT_NAMES:
            raise ValueError(f"unknown split {name!r}, expected one of {SPLIT_NAMES}")
        return getattr(self, name)


def require_pillow():
    try:
        from PIL import Image
    except ImportError as exc:  # a core dependency; only a broken install gets here
        raise MissingDependencyError("reading images needs Pillow: pip install Pillow") from exc
    return Image


def check_jpeg_strictly(data: bytes, mode: str) -> str | None:
    """None, or what libjpeg-turbo reports wrong with a JPEG's data. libjpeg calls damaged scan
    data (garbage, a premature end of a segment) a warning and decodes on, and Pillow does not
    pass its warnings on; simplejpeg's strict mode raises them. Decoded at 1/8 scale: the whole
    entropy-coded data is still read, the inverse DCTs are a fraction of the work."""
    try:
        import simplejpeg
    except ImportError as exc:
        raise MissingDependencyError("reading JPEG images strictly needs simplejpeg: "
                                     "pip install simplejpeg (in mcuforge's train extra)") from exc
    colorspace = "CMYK" if mode == "CMYK" else "GRAY" if mode in ("L", "1") else "RGB"
    try:
        simplejpeg.decode_jpeg(data, colorspace=colorspace, min_factor=8, strict=True)
    except ValueError as exc:
        return " ".join(str(exc).split())
    return None


def name_some(items: list[str]) -> str:
    """The first MAX_LISTED_PROBLEMS items, comma-separated, then how many more there are."""
    shown = ", ".join(items[:MAX_LISTED_PROBLEMS])
    extra = len(items) - MAX_LISTED_PROBLEMS
    return f"{shown}, ... and {extra} more" if extra > 0 else shown


def fit_image(image, size: int, channels: int, resize: str = "stretch") -> np.ndarray:
    """A Pillow image -> uint8 [size, size, channels] (see the module doc for the conventions)."""
    Image = require_pillow()
    image = _to_8bit(image)
    image = image.convert("L" if channels == 1 else "RGB")
    if resize == "center_crop" and image.width != image.height:
        side = min(image.width, image.height)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side))
    if image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.uint8)
    return array.reshape(size, size, channels)


def _to_8bit(image):
    """16- and 32-bit grayscale modes keep their top 8 bits (Pillow's own conversion clips)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        Image = require_pillow()
        wide = np.asarray(image).astype(np.int64)
        shift = 8 if image.mode.startswith("I;16") or wide.max(initial=0) < 65536 else 24
        return Image.fromarray((np.clip(wide, 0, None) >> shift).clip(0, 255).astype(np.uint8), "L")
    if image.mode == "F":
        Image = require_pillow()
        return Image.fromarray(np.clip(np.asarray(image), 0, 255).astype(np.uint8), "L")
    return image


def fit_array(images: np.ndarray, size: int, channels: int, progress: bool = False) -> np.ndarray:
    """uint8 [N, H, W, C] (C 1 or 3) -> uint8 [N, size, size, channels]; no work when it fits."""
    from ...ui import progress_bar

    n, h, w, c = images.shape
    if (h, w, c) == (size, size, channels):
        return images
    Image = require_pillow()
    out = np.empty((n, size, size, channels), dtype=np.uint8)
    mode = "L" if c == 1 else "RGB"
    with progress_bar(n, "resizing images", progress, unit="image") as bar:
        for i in range(n):
            pixels = images[i, :, :, 0] if c == 1 else images[i]
            out[i] = fit_image(Image.fromarray(np.ascontiguousarray(pixels), mode), size, channels)
            bar.update()
    return out


def stratified_split(labels: np.ndarray, num_classes: int, validation_fraction: float,
                     test_fraction: float, seed: int) -> dict[str, np.ndarray]:
    """Row indices of each split, drawn per class: of a class's n rows, ``round(n * fraction)``
    go to test and to validation (at least one each when the fraction is positive and n >= 3),
    the rest to train. Seeded per (seed, class), so a class's split does not depend on the others.
    Indices inside a split are ascending (the source order)."""
    parts: dict[str, list[np.ndarray]] = {name: [] for name in SPLIT_NAMES}
    for c in range(num_classes):
        rows = np.flatnonzero(labels == c)
        n = len(rows)
        n_test = _share(n, test_fraction, n - 1)
        n_val = _share(n, validation_fraction, n - n_test - 1)
        order = rows[np.random.default_rng([seed, c]).permutation(n)]
        parts["test"].append(order[:n_test])
        parts["validation"].append(order[n_test:n_test + n_val])
        parts["train"].append(order[n_test + n_val:])
    return {name: np.sort(np.concatenate(p)) if p else np.zeros(0, np.int64)
            for name, p in parts.items()}


def _share(n: int, fraction: float, cap: int) -> int:
    """round(n * fraction), at least 1 for a positive fraction of n >= 3, at most ``cap`` (so train
    keeps at least one row of the class)."""
    k = int(round(n * fraction))
    if fraction > 0 and k == 0 and n >= 3:
        k = 1
    return max(0, min(k, cap))


def split_dataset(classes: tuple[str, ...], everything: ImageSplit, validation_fraction: float,
                  test_fraction: float, seed: int, source: str) -> ImageDataset:
    index = stratified_split(everything.labels, len(classes), validation_fraction, test_fraction, seed)
    return ImageDataset(classes=classes, source=source,
                        **{name: everything.take(rows) for name, rows in index.items()})


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
