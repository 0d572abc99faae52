"""Model architectures (Keras). Imported only by commands that train: TensorFlow is optional."""

from __future__ import annotations

from ..errors import RecipeError
from ..recipe import ModelSpec


def build_model(spec: ModelSpec, input_shape: tuple[int, ...], num_classes: int, *,
                batchnorm_momentum: float, batch_size: int | None = None):
    if spec.architecture == "ds_cnn":
        from .dscnn import build_ds_cnn

        return build_ds_cnn(input_shape, num_classes, width=spec.width, blocks=spec.blocks,
                            dropout=spec.dropout, batchnorm_momentum=batchnorm_momentum, batch_size=batch_size)
    raise RecipeError(f"model.architecture: unknown architecture {spec.architecture!r}")
