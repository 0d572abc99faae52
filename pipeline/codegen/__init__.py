"""Render a compiled ``Program`` into a self-contained C folder through templates/.

Output folder (replaced whole, atomically):
    <name>.h            the API: <name>_invoke(), sizes, input/output quantization
    <name>.c            arena, kernel params, the call sequence
    <name>_weights.inc  static const arrays (16-byte aligned: they stay in flash), included by <name>.c
    mcuforge_kernels.h, mf_*.h, kernels/*.c   copies of firmware/ so the folder builds on its own
    model.tflite        the compiled model, for the reference interpreters
    model_info.json     what later stages (emulate, build, report) need, machine-readable

Same input, same bytes: no timestamps, no absolute paths, stable ordering.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from ..compile.program import ConstArray, KernelCall, Program
from ..fsutil import atomic_dir
from ..resources import INCLUDE_DIR, KERNELS_DIR
from ..templating import environment

VALUES_PER_LINE = {"int8_t": 16, "int16_t": 12, "int32_t": 8}


@dataclass(frozen=True)
class RenderedCall:
    """A kernel call with everything the template prints already spelled out."""

    call: KernelCall
    params_name: str
    arguments: str       # "arena + 0, arena + 1024"
    comment: str
    failure_code: int    # what <name>_invoke returns when this call fails: 1 + its position


@dataclass(frozen=True)
class RenderedArray:
    array: ConstArray
    lines: tuple[str, ...]


def _array_lines(array: ConstArray) -> tuple[str, ...]:
    values = np.asarray(array.values).reshape(-1)
    per_line = VALUES_PER_LINE[array.c_type]
    width = max((len(str(int(v))) for v in values), default=1)
    return tuple(", ".join(f"{int(v):>{width}d}" for v in values[i:i + per_line])
                 for i in range(0, values.size, per_line))


def _rendered_calls(program: Program) -> list[RenderedCall]:
    out = []
    for k, call in enumerate(program.calls):
        pointers = [f"arena + {program.slot(t).offset}" for t in (*call.inputs, *call.outputs)]
        out.append(RenderedCall(
            call=call,
            params_name=f"op{call.op_index}_params",
            arguments=", ".join(pointers),
            comment=f"op {call.op_index}: {call.opcode}, {call.macs:,} MACs",
            failure_code=k + 1,
        ))
    return out


def model_info(program: Program) -> dict:
    """The machine-readable description written next to the C (read by emulate and report)."""
    def io(t):
        return {"name": t.name, "shape": list(t.shape), "dtype": t.c_type, "scale": t.scale,
                "zero_point": t.zero_point, "bytes": t.size}
    return {
        "generator": f"mcuforge {__version__}",
        "name": program.name,
        "macro_prefix": program.macro_prefix,
        "source": program.source_name,
        "sha256": program.sha256,
        "arena_bytes": program.arena_size,
        "weight_bytes": program.weight_bytes,
        "macs": program.macs,
        "inputs": [io(t) for t in program.inputs],
        "outputs": [io(t) for t in program.outputs],
        "layers": [{"op": c.op_index, "opcode": c.opcode, "kernel": c.function, "macs": c.macs}
                   for c in program.calls],
    }


def render_program(program: Program, out_dir: Path, tflite: bytes) -> Path:
    """Writes the folder; ``tflite`` (the source model's bytes) is kept beside it as model.tflite so
    later stages can run the reference interpreters on exactly what was compiled."""
    env = environment()
    context = {
        "version": __version__,
        "p": program,
        "calls": _rendered_calls(program),
        "call_count": len(program.calls),
        "arrays": [RenderedArray(a, _array_lines(a)) for a in program.constants],
        "input_offset": program.slot(program.inputs[0].tensor).offset,
        "output_offset": program.slot(program.outputs[0].tensor).offset,
    }
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        files = {
            f"{program.name}.h": "model.h.j2",
            f"{program.name}.c": "model.c.j2",
            f"{program.name}_weights.inc": "weights.inc.j2",
        }
        for filename, template in files.items():
            (tmp / filename).write_text(env.get_template(template).render(context))
        for header in sorted(INCLUDE_DIR.glob("*.h")):
            shutil.copyfile(header, tmp / header.name)
        (tmp / "kernels").mkdir()
        for source in sorted(KERNELS_DIR.glob("*.[ch]")):
            shutil.copyfile(source, tmp / "kernels" / source.name)
        (tmp / "model.tflite").write_bytes(tflite)
        (tmp / "model_info.json").write_text(json.dumps(model_info(program), indent=2) + "\n")
    return out_dir
