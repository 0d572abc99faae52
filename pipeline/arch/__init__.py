"""Model architectures (Keras). Imported only by commands that train: TensorFlow is optional.

- ``ds_cnn``: keyword spotting (MLPerf Tiny KWS);
- ``cnn``: a small CNN for small images (the digits default);
- ``mobilenet_v1``: MobileNetV1 with a width multiplier (MLPerf Tiny visual wake words);
- ``resnet8``: ResNet-8 (MLPerf Tiny image classification).

Every builder takes ``batch_size``: training uses None, the int8 export a batch of 1 (same layers,
same weights), so the converter emits a static graph. None of them contains preprocessing or
augmentation: the input is what the data pipeline hands over (images: pixels / 255, in [0, 1]).
"""

from __future__ import annotations

from typing import Any

from ..errors import RecipeError
from ..recipe import ModelSpec


def build_model(spec: ModelSpec, input_shape: tuple[int, ...], num_classes: int, *,
                batchnorm_momentum: float, batch_size: int | None = None):
    # For a known architecture ModelSpec.__post_init__ has filled width and dropout, and blocks
    # where the architecture takes it.
    common: dict[str, Any] = dict(dropout=spec.dropout, batchnorm_momentum=batchnorm_momentum,
                                  batch_size=batch_size)
    if spec.architecture == "ds_cnn":
        from .dscnn import build_ds_cnn

        assert spec.width is not None and spec.blocks is not None and spec.kernel_size is not None
        return build_ds_cnn(input_shape, num_classes, width=int(spec.width), blocks=spec.blocks,
                            kernel_size=spec.kernel_size, **common)
    if spec.architecture == "cnn":
        from .cnn import build_cnn

        assert spec.width is not None and spec.blocks is not None and spec.kernel_size is not None
        return build_cnn(input_shape, num_classes, width=int(spec.width), blocks=spec.blocks,
                         kernel_size=spec.kernel_size, **common)
    if spec.architecture == "mobilenet_v1":
        from .mobilenet import build_mobilenet_v1

        assert spec.width is not None
        return build_mobilenet_v1(input_shape, num_classes, width=float(spec.width), **common)
    if spec.architecture == "resnet8":
        from .resnet import build_resnet8

        assert spec.width is not None
        return build_resnet8(input_shape, num_classes, width=int(spec.width), **common)
    raise RecipeError(f"model.architecture: unknown architecture {spec.architecture!r}")
