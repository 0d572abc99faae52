"""Which kernel backend a build uses, and the generated folder built for it.

Rule (README "Kernel backends"): ``--kernels K`` when given; else the folder's own backend when
it was compiled for one (``compile --kernels``); else the board's default (the optimized kernels
on a core with the DSP extension or Helium, the portable ones otherwise). When the folder was
generated for another backend or instruction set than the build needs, the model is compiled
again from the folder's ``model.tflite`` for the board, into the build's own folder: the
user's folder is never changed. A folder generated for an instruction set the board lacks (MVE
kernels for a Cortex-M4) is an error unless ``--kernels`` says what to use instead.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..boards import Board
from ..cmsis import CmsisTrees
from ..codegen import render_program
from ..codegen.model_info import ModelInfo
from ..compile import compile_model
from ..compile.backends import (
    CMSIS_NN,
    PORTABLE,
    KernelRequest,
    Target,
    board_isa,
    cmsis_trees_for,
    default_backend,
)
from ..errors import BoardError

_ISA_RANK = {"none": 0, "dsp": 1, "mve": 2}


def chosen_backend(model: ModelInfo, board: Board | None, request: KernelRequest) -> str:
    if request.kernels is not None:
        return request.kernels
    if model.backend != PORTABLE:
        return model.backend
    return default_backend(board) if board is not None else PORTABLE


def _isa_for(board: Board | None) -> str:
    return board_isa(board) if board is not None else "none"


def check_folder_fits(model: ModelInfo, board: Board) -> None:
    """A folder generated for an instruction set ``board``'s core lacks is an error naming both."""
    have = board_isa(board)
    if _ISA_RANK[model.isa] > _ISA_RANK[have] or (model.isa == "mve" and have != "mve"):
        lacks = "no DSP extension or Helium" if have == "none" else f"{have.upper()} only"
        raise BoardError(
            f"{model.folder}: generated with {model.backend} kernels for {model.isa.upper()}, "
            f"which {board.id}'s {board.core} cannot run ({lacks}); compile it again with "
            f"--board {board.id}, or pass --kernels")


def model_for(model: ModelInfo, board: Board | None, request: KernelRequest,
              out_dir: Path) -> tuple[ModelInfo, CmsisTrees | None]:
    """The generated folder to build for ``board`` (None: the host) and the CMSIS trees it
    needs: ``model`` itself when it already is what the build needs, else the model compiled
    again into ``out_dir`` (which the caller owns)."""
    backend = chosen_backend(model, board, request)
    isa = _isa_for(board)
    if board is not None and request.kernels is None and model.backend != PORTABLE:
        check_folder_fits(model, board)
    trees = cmsis_trees_for(backend, request)
    if model.backend == backend and (backend == PORTABLE or model.isa == isa):
        if model.uses_cmsis_nn and trees is None:
            trees = cmsis_trees_for(CMSIS_NN, request)
        return model, trees
    target = Target(isa=isa, cmsis_nn=trees.nn if trees else None,
                    cmsis_core=trees.core if trees else None)
    program = compile_model(model.tflite_path, model.name, backend, target)
    program = dataclasses.replace(program, source_name=model.source_name)
    render_program(program, out_dir, model.tflite_path.read_bytes())
    return ModelInfo.load(out_dir), trees
