"""Render a compiled ``Program`` into a self-contained C folder through templates/.

Output folder (replaced whole, atomically):
    <name>.h            the API: <name>_invoke(), <name>_input(i)/_output(i)/_run(), sizes,
                        shapes and quantization of every input and output
    <name>.c            arena, kernel params, the call sequence
    <name>_weights.inc  static const arrays (MF_ALIGNMENT-aligned: they stay in flash)
    mcuforge_kernels.h  the kernels' shared conventions (copied from firmware/include/)
    mf_limits.h         the limits shared with the generator (rendered from compile.limits)
    kernels/            the portable kernels the model calls (firmware/kernels/*.c) and every
                        portable kernel header (the contracts, the shared mf_*.h),
    kernels/<backend>/  and the backend kernels this model calls (firmware/kernels/<backend>/)
    model.tflite        the compiled model, for the reference interpreters
    model_info.json     what later stages (builder, emulate, report) need (codegen.model_info)

Same input, same bytes: no timestamps, no absolute paths, stable ordering.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..cformat import array_lines, c_braces, c_comment_text, c_string, generated_header
from ..compile.limits import render_limits_header
from ..compile.params import check_values, render_initializer
from ..compile.program import ArenaRef, ConstArray, KernelCall, Program, TensorIO
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


@dataclass(frozen=True)
class RenderedIO:
    """One model input or output with what the header and <name>_invoke print for it."""

    io: TensorIO
    macro: str           # its macros' prefix, e.g. KWS_INPUT0
    arena_offset: int    # where it lives in the arena (what <name>_input(i)/_output(i) return)
    offset: int          # where it sits in <name>_invoke's buffer: every input (output) back to
                         # back in the subgraph's order, packed (no padding)
    shape: str           # brace initializer, "{1, 49, 10, 1}"
    scale: str           # a C double literal that reads back as exactly io.scale
    name: str            # the tensor's name as a C string literal
    comment_name: str    # and as text safe inside a comment


def _rendered_io(program: Program, role: str, tensors: tuple[TensorIO, ...]) -> list[RenderedIO]:
    out, offset = [], 0
    for i, t in enumerate(tensors):
        out.append(RenderedIO(io=t, macro=f"{program.macro_prefix}_{role}{i}",
                              arena_offset=program.slot(t.tensor).offset, offset=offset,
                              shape=c_braces(t.shape), scale=repr(float(t.scale)),
                              name=c_string(t.name), comment_name=c_comment_text(t.name)))
        offset += t.size
    return out


def _rendered_calls(program: Program) -> list[RenderedCall]:
    out = []
    for k, call in enumerate(program.calls):
        check_values(call.params)

        def arena_address(ref: ArenaRef, k: int = k) -> str:
            if ref.what == "state":
                return f"arena + {program.slot(ref.tensor).offset}"
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


_INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)\.h"', re.M)


def _portable_sources(kernels: set[str]) -> list[str]:
    """The portable kernel C files ``kernels`` need: their own, and those of every kernel whose
    header their .c or .h includes, transitively (TRANSPOSE and STRIDED_SLICE run on
    strided_copy.c)."""
    needed: set[str] = set()
    todo = sorted(kernels)
    while todo:
        kernel = todo.pop()
        if kernel in needed or not (KERNELS_DIR / f"{kernel}.c").is_file():
            continue
        needed.add(kernel)
        for suffix in (".c", ".h"):
            path = KERNELS_DIR / f"{kernel}{suffix}"
            if path.is_file():
                todo += [name for name in _INCLUDE.findall(path.read_text()) if name not in needed]
    return sorted(needed)


def _kernel_files(program: Program) -> list[tuple[Path, str]]:
    """(source, destination in the folder): every portable kernel header (the spec of each
    kernel's contract, and the shared mf_*.h), the .c of each portable kernel the program calls
    and of those they build on, and the .c and .h of each backend kernel it calls."""
    files = [(f, f"kernels/{f.name}") for f in sorted(KERNELS_DIR.glob("*.h"))]
    portable = _portable_sources({c.kernel for c in program.calls if c.backend == PORTABLE})
    files += [(KERNELS_DIR / f"{kernel}.c", f"kernels/{kernel}.c") for kernel in portable]
    used = sorted({(c.backend, c.kernel) for c in program.calls if c.backend != PORTABLE})
    for backend, kernel in used:
        folder = KERNELS_DIR / backend
        for suffix in (".c", ".h"):
            files.append((folder / f"{kernel}{suffix}", f"kernels/{backend}/{kernel}{suffix}"))
    return files


def render_program(program: Program, out_dir: Path, tflite: bytes, force: bool = False) -> Path:
    """Writes the folder; ``tflite`` (the source model's bytes) is kept beside it as model.tflite so
    later stages can run the reference interpreters on exactly what was compiled. An existing
    ``out_dir`` is replaced only if mcuforge made it, or ``force`` (fsutil.check_output_dir)."""
    env = environment()
    context = {
        "version": __version__,
        "header": generated_header(__version__, program.source_name, program.sha256),
        "p": program,
        "calls": _rendered_calls(program),
        "call_count": len(program.calls),
        "kernel_headers": sorted({kernel_header(c) for c in program.calls}),
        "arrays": [RenderedArray(a, array_lines(a.values, a.c_type)) for a in program.constants],
        "inputs": _rendered_io(program, "INPUT", program.inputs),
        "outputs": _rendered_io(program, "OUTPUT", program.outputs),
        "input_bytes": sum(t.size for t in program.inputs),
        "output_bytes": sum(t.size for t in program.outputs),
        # <name>_invoke's pointers: the tensor's type for one input (output), else bytes
        "invoke_in": program.inputs[0].c_type if len(program.inputs) == 1 else "int8_t",
        "invoke_out": program.outputs[0].c_type if len(program.outputs) == 1 else "int8_t",
    }
    out_dir = Path(out_dir)
    with atomic_dir(out_dir, force=force) as tmp:
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
