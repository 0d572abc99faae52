"""Shared helpers of the data-movement kernel tests (test_transpose.py, test_strided_slice.py,
test_split.py, ...): writing the options of those ops (tests/tflite_builder.py has no writer for
them, so they go through its RawOptions), single-op model builders, and a numpy model of the
values each op should produce (for the lowering tests, which check the params by running the
strided view they describe).

Test files import this module (``import movement_testing as mt``) beside kernel_testing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import tflite_builder as tb
from mcuforge.tflite.options import movement as mo
from mcuforge.tflite.reader import read_model_bytes

# options dataclass -> (BuiltinOptions union tag, slots, [(slot, kind, field name)])
_LAYOUT = {
    mo.StridedSliceOptions: (32, 6, [(0, "int32", "begin_mask"), (1, "int32", "end_mask"),
                                     (2, "int32", "ellipsis_mask"),
                                     (3, "int32", "new_axis_mask"),
                                     (4, "int32", "shrink_axis_mask"), (5, "bool", "offset")]),
    mo.SplitOptions: (35, 1, [(0, "int32", "num_splits")]),
    mo.SplitVOptions: (79, 1, [(0, "int32", "num_splits")]),
    mo.SqueezeOptions: (30, 1, [(0, "int32_vector", "squeeze_dims")]),
    mo.PackOptions: (59, 2, [(0, "int32", "values_count"), (1, "int32", "axis")]),
    mo.UnpackOptions: (64, 2, [(0, "int32", "num"), (1, "int32", "axis")]),
    mo.GatherOptions: (23, 2, [(0, "int32", "axis"), (1, "int32", "batch_dims")]),
    mo.ResizeNearestNeighborOptions: (74, 2, [(0, "bool", "align_corners"),
                                              (1, "bool", "half_pixel_centers")]),
    mo.ResizeBilinearOptions: (15, 4, [(2, "bool", "align_corners"),
                                       (3, "bool", "half_pixel_centers")]),
    mo.DepthToSpaceOptions: (94, 1, [(0, "int32", "block_size")]),
    mo.SpaceToDepthOptions: (19, 1, [(0, "int32", "block_size")]),
}


def raw(options) -> tb.RawOptions:
    """``options`` (a dataclass of mcuforge.tflite.options.movement) as the builder writes it."""
    tag, slots, layout = _LAYOUT[type(options)]
    values = []
    for slot, kind, name in layout:
        value = getattr(options, name)
        if kind == "int32_vector":
            if len(value) == 0:
                continue      # an absent vector: "squeeze every dimension of extent 1"
            value = list(value)
        values.append((slot, kind, value))
    return tb.RawOptions(tag, slots, tuple(values))


def read_back(model: bytes):
    """The typed graph of ``model`` (the reader parses the options written above)."""
    return read_model_bytes(model, "case")


def single_op(opcode: str, x_shape: Sequence[int], extra_inputs: Sequence[np.ndarray],
              out_shape: Sequence[int], options=None, x_q: tuple[float, int] = (0.05, -3),
              out_q: tuple[float, int] | None = None) -> bytes:
    """``opcode`` over the model input and constant ``extra_inputs`` (written with their own
    dtypes, in order), one output."""
    b = tb.ModelBuilder()
    x = b.add_input(tuple(x_shape), *x_q)
    inputs = [x] + [b.add_const(np.asarray(a), name=f"const{k}")
                    for k, a in enumerate(extra_inputs)]
    y = b.add_output(tuple(out_shape), *(out_q or x_q))
    b.add_operator(opcode, inputs, (y,), None if options is None else raw(options))
    return b.build()


def run_view(params, values: np.ndarray) -> np.ndarray:
    """What mf_strided_copy_s8 writes for ``params`` (mf_strided_copy_params) over the flat
    input ``values``: the numpy model the lowering tests compare with."""
    dims = params.output_dims[:params.rank]
    strides = params.input_strides[:params.rank]
    index = np.full(dims, params.input_offset, dtype=np.int64)
    for d, (extent, stride) in enumerate(zip(dims, strides, strict=True)):
        shape = [1] * len(dims)
        shape[d] = extent
        index = index + (np.arange(extent) * stride).reshape(shape)
    return np.asarray(values).reshape(-1)[index].reshape(-1)
