"""The external reference models (../shared/models: MLPerf Tiny KWS DS-CNN and ResNet-8) on the
cmsis-nn backend: every op runs on CMSIS-NN, the arena (activations + the largest scratch slot)
is what the planner makes of CMSIS-NN's buffer sizes, and the outputs equal TFLite-Micro's on
random inputs: on the host (CMSIS-NN's portable C path, with the scratch sized for a DSP core,
which covers what the portable path needs) and on the boards under QEMU (DSP and Helium paths).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cmsis_testing as ct
from conftest import shared_model
from mcuforge.codegen import render_program
from mcuforge.codegen.model_info import ModelInfo
from mcuforge.emulate import run_host

MODELS = ["kws_ref_model.tflite", "pretrainedResnet_quant.tflite"]


def _compiled(name: str, isa: str):
    model = shared_model(name).read_bytes()
    graph, program = ct.compile_cmsis(model, isa, name=Path(name).stem)
    return model, graph, program


def _summary(program) -> str:
    scratch = {c.op_index: c.scratch_bytes for c in program.calls if c.scratch_bytes}
    return (f"{program.name}: arena {program.arena_size:,} B, largest scratch "
            f"{program.scratch_bytes:,} B, scratch per op {scratch}")


@pytest.mark.parametrize("name", MODELS)
def test_every_op_runs_on_cmsis_nn(name: str):
    for isa in ("dsp", "mve"):
        _, _, program = _compiled(name, isa)
        portable = [f"op {c.op_index} {c.opcode}: {c.note}" for c in program.calls
                    if c.backend != ct.BACKEND_FOLDER]
        assert not portable, portable


@pytest.mark.parametrize("name", MODELS)
def test_portable_path_fits_in_dsp_scratch(name: str):
    """The host runs CMSIS-NN's portable C path; with the model generated for a DSP core, every
    call's scratch must hold what that path needs too (else the host run would be unsafe)."""
    _, _, dsp = _compiled(name, "dsp")
    _, _, none = _compiled(name, "none")
    for a, b in zip(none.calls, dsp.calls, strict=True):
        assert a.scratch_bytes <= b.scratch_bytes, (a.op_index, a.opcode)


@pytest.mark.host
@pytest.mark.parametrize("name", MODELS)
def test_bit_exact_on_host_generated_for_dsp(name: str, tmp_path: Path, host_cc: str, capsys):
    model, graph, program = _compiled(name, "dsp")
    c_dir = render_program(program, tmp_path / "c", model)
    inputs = ct.model_inputs(graph, seed=7, count=20)
    exe = ct.build_host(c_dir, tmp_path / "build")
    ct.assert_bit_exact(c_dir, inputs, run_host(exe, ModelInfo.load(c_dir), inputs))
    with capsys.disabled():
        print(f"\n  {_summary(program)} (dsp); 20 random inputs bit-exact on the host")


@pytest.mark.qemu
@pytest.mark.cross
@pytest.mark.slow
# every emulated board: the M3 runs CMSIS-NN's portable C, the M4/M7/M33 its DSP, the M55 Helium
@pytest.mark.parametrize("board", list(ct.BOARD_ISAS))
@pytest.mark.parametrize("name", MODELS)
def test_bit_exact_on_board(name: str, board: str, tmp_path: Path, monkeypatch, capsys):
    model = shared_model(name).read_bytes()
    program = ct.run_case_on_board(model, tmp_path, board, monkeypatch, count=10)
    with capsys.disabled():
        print(f"\n  {_summary(program)} ({ct.BOARD_ISAS[board]}); bit-exact on {board}")
