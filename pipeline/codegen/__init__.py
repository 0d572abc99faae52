"""Render a compiled ``Program`` into a self-contained C folder through templates/.

Output folder (replaced whole, atomically):
    <name>.h            the API: <name>_invoke(), sizes, input/output quantization
    <name>.c            arena, kernel params, the call sequence
    <name>_weights.inc  static const arrays (MF_ALIGNMENT-aligned: they stay in flash)
    mcuforge_kernels.h  the kernels' shared conventions (copied from firmware/include/)
    mf_limits.h         the limits shared with the generator (rendered from compile.limits)
    kernels/            the portable kernels (firmware/kernels/*.c, *.h: every one, the spec),
    kernels/<backend>/  and the backend kernels this model calls (firmware/kernels/<backend>/)
    model.tflite        the compiled model, for the reference interpreters
    model_info.json     what later stages (builder, emulate, report) need (codegen.model_info)

Same input, same bytes: no timestamps, no absolute paths, stable ordering.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..cformat import array_lines, generated_header
from ..compile.limits import render_limits_header
from ..compile.params import check_values, render_initializer
from ..compile.program import ArenaRef, ConstArray, KernelCall, Program
from ..fsutil import atomic_dir
from ..resources import INCLUDE_DIR, KERNELS_DIR
from ..templating import environment
from .model_info import ModelInfo

PORTABLE = "portable"


def kernel_header(call: KernelCall) -> str:
    """The header that declares ``call``'s function, relative to the generated folder."""
    return (f"kernels/{call.kernel}.h" if call.backend == PORTABLE
            else f"kernels/{call.backend}/{call.kernel}.h")


@dataclass(frozen=True)
class RenderedCall:
    """A kernel call with everything the template prints already spelled out."""

    call: KernelCall
    params_name: str
    initializer: tuple[str, ...]   # the lines of the params' designated initializer
    arguments: str       # "arena + 0, arena + 1024"
    comment: str
    failure_code: int    # what <name>_invoke returns when this call fails: 1 + its position


@dataclass(frozen=True)
class RenderedArray:
    array: ConstArray
    lines: tuple[str, ...]


def _rendered_calls(program: Program) -> list[RenderedCall]:
    out = []
    for k, call in enumerate(program.calls):
        check_values(call.params)

        def arena_address(ref: ArenaRef, k: int = k) -> str:
            if ref.what != "scratch":
                raise AssertionError(ref)
            return f"arena + {program.scratch_slot(k).offset}"

        tensors = (*call.inputs, *call.outputs)
        types = call.arg_types or ("int8_t",) * len(tensors)
        pointers = [f"arena + {program.slot(t).offset}" if c_type == "int8_t"
                    else f"({c_type} *)(arena + {program.slot(t).offset})"
                    for t, c_type in zip(tensors, types, strict=True)]
        scratch = f", {call.scratch_bytes:,} B scratch" if call.scratch_bytes else ""
        backend = f" [{call.backend}]" if call.backend != PORTABLE else ""
        out.append(RenderedCall(
            call=call,
            params_name=f"op{call.op_index}_params",
            initializer=tuple(render_initializer(call.params, arena_address)),
            arguments=", ".join(pointers),
            comment=f"op {call.op_index}: {call.opcode}{backend}, {call.macs:,} MACs{scratch}",
            failure_code=k + 1,
        ))
    return out


def _kernel_files(program: Program) -> list[tuple[Path, str]]:
    """(source, destination in the folder): every portable kernel, and each backend kernel the
    program calls (its .c and .h)."""
    files = [(f, f"kernels/{f.name}") for f in sorted(KERNELS_DIR.glob("*.[ch]"))]
    used = sorted({(c.backend, c.kernel) for c in program.calls if c.backend != PORTABLE})
    for backend, kernel in used:
        folder = KERNELS_DIR / backend
        for suffix in (".c", ".h"):
            files.append((folder / f"{kernel}{suffix}", f"kernels/{backend}/{kernel}{suffix}"))
    return files


def render_program(program: Program, out_dir: Path, tflite: bytes) -> Path:
    """Writes the folder; ``tflite`` (the source model's bytes) is kept beside it as model.tflite so
    later stages can run the reference interpreters on exactly what was compiled."""
    env = environment()
    context = {
        "version": __version__,
        "header": generated_header(__version__, program.source_name, program.sha256),
        "p": program,
        "calls": _rendered_calls(program),
        "call_count": len(program.calls),
        "kernel_headers": sorted({kernel_header(c) for c in program.calls}),
        "arrays": [RenderedArray(a, array_lines(a.values, a.c_type)) for a in program.constants],
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
        (tmp / "mf_limits.h").write_text(render_limits_header(__version__))
        for source, dest in _kernel_files(program):
            (tmp / dest).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp / dest)
        (tmp / "model.tflite").write_bytes(tflite)
        ModelInfo.from_program(program, out_dir).write(tmp)
    return out_dir
