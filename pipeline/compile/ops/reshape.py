"""RESHAPE -> mf_copy_s8 (firmware/kernels/copy.c): the bytes stay as they are (int8 or int16
activations alike: the copy counts bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...tflite.graph import DType, Graph, Operator
from ..params import CStruct, i32
from ..program import KernelCall
from .context import OpContext

OPCODES = ("RESHAPE",)


@dataclass(frozen=True)
class CopyParams(CStruct):
    """mf_copy_params (firmware/kernels/copy.h)."""

    C_TYPE: ClassVar[str] = "mf_copy_params"
    size: int = i32()                # bytes


def lower(graph: Graph, op: Operator) -> KernelCall:
    o = OpContext(graph, op)
    inp = o.required_input(0, "input")
    out = o.output()
    act_type = DType.INT16 if inp.dtype is DType.INT16 else DType.INT8
    o.activation(inp, "input", dtype=act_type)
    o.activation(out, "output", dtype=act_type)
    shape_t = o.input(1, "shape", optional=True)
    if shape_t is not None and not shape_t.is_constant:
        o.unsupported(f"shape tensor '{shape_t.name}' is computed at run time")
    if inp.num_elements != out.num_elements:
        o.bad_file(f"reshapes {list(inp.shape)} ({inp.num_elements} values) to "
                   f"{list(out.shape)} ({out.num_elements} values)")
    return KernelCall.of(op, "copy", "mf_copy_s8", CopyParams(size=inp.nbytes), (inp.index,),
                         (out.index,))
