"""Shared by the board tests: a compiled reference model, a copy of it whose model code hangs
or faults (to check that the host side stops such firmware and says why), and the check of a
one-line CLI error."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import shared_model
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.compile import compile_graph
from mcuforge.tflite.reader import read_model


def compile_reference(out: Path, model_name: str = "kws_ref_model.tflite") -> Path:
    """The generated C folder of an external reference model (what `mcuforge compile` writes)."""
    model = shared_model(model_name)
    program = compile_graph(read_model(str(model)), None)
    render_program(program, out, model.read_bytes())
    return out


def one_line_error(capsys, code: int, *fragments: str) -> str:
    """The CLI failed (``code``) with one ``error:`` line on stderr that contains every fragment."""
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


BROKEN_INVOKE = {
    # spins forever inside the inference: the firmware greets, takes INFER, never answers
    "hang": "for (;;) { __asm__ volatile(\"nop\"); }",
    # writes to an address with nothing behind it: a bus fault, escalated to HardFault
    "fault": "*(volatile uint32_t *)0xF0000000u = 1u;",
}


def broken_copy(c_dir: Path, out: Path, how: str) -> Path:
    """A copy of ``c_dir`` whose <name>_invoke() does what BROKEN_INVOKE[how] says."""
    shutil.copytree(c_dir, out)
    name = ModelInfo.load(out).name
    (out / f"{name}.c").write_text(
        f'#include <stdint.h>\n#include "{name}.h"\n\n'
        f"void {name}_set_layer_hook({name}_layer_hook hook)\n{{\n    (void)hook;\n}}\n\n"
        f"int {name}_invoke(const int8_t *input, int8_t *output)\n{{\n"
        f"    (void)input;\n    (void)output;\n    {BROKEN_INVOKE[how]}\n    return 0;\n}}\n")
    return out
