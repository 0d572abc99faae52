"""PACK -> mf_pack_s8 (firmware/kernels/pack.c): tensors of one shape stacked along a new axis,
values copied (TFLite-Micro copies them whatever their quantization)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import Graph, Operator
from ...tflite.options.movement import PackOptions
from ..params import CStruct, i32
from ..program import KernelCall
from .context import OpContext
from .movement import MAX_CALL_TENSORS, axis_of, product

OPCODES = ("PACK",)


@dataclass(frozen=True)
class PackParams(CStruct):
    """mf_pack_params (firmware/kernels/pack.h)."""

    C_TYPE: ClassVar[str] = "mf_pack_params"
    num_inputs: int = i32()
    outer: int = i32()
    inner: int = i32()


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    options = o.options(PackOptions, PackOptions())
    n = len(op.inputs)
    if n < 1:
        o.bad_file("has no inputs")
    if n > MAX_CALL_TENSORS:
        o.unsupported(f"{n} inputs; at most {MAX_CALL_TENSORS} are supported (one kernel call "
                      f"takes them all)")
    # TFLite-Micro packs values_count inputs, whatever the op lists
    if options.values_count != n:
        o.bad_file(f"values_count is {options.values_count}, but the op has {n} inputs")
    inputs = [o.required_input(k, f"input {k}") for k in range(n)]
    for k, t in enumerate(inputs):
        o.activation(t, f"input {k}")
    out = o.output()
    o.activation(out, "output")
    shape = inputs[0].shape
    for k, t in enumerate(inputs):
        if t.shape != shape:
            o.bad_file(f"input {k} '{t.name}' has shape {list(t.shape)}, input 0 "
                       f"{list(shape)}; PACK needs one shape")
    axis = axis_of(o, options.axis, len(shape) + 1)
    o.expect_shape(out, (*shape[:axis], n, *shape[axis:]),
                   f"packing {n} inputs of shape {list(shape)} along axis {axis}")
    params = PackParams(num_inputs=n, outer=product(shape[:axis]), inner=product(shape[axis:]))
    return KernelCall.of(op, "pack", "mf_pack_s8", params, tuple(t.index for t in inputs),
                         (out.index,))
