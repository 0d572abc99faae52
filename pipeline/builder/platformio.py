"""A PlatformIO project for a real board: the same model and protocol application as the
bare-metal image, on the board's framework (Arduino or Mbed), which brings the clock setup, boot
code and the USB/virtual-COM serial port.

    platformio.ini           platform, board, framework, upload protocol, flags, include paths
    src/main.cpp             the framework glue: mf_port.h on Serial (or BufferedSerial), DWT timing
    src/mf_model_glue.c      binds the model to the protocol application
    src/mcuforge/            the protocol application (firmware/app)
    src/model/               the generated C: model, weights, kernels
    lib/CMSIS-NN/library.json  for a model on the cmsis-nn backend: CMSIS-NN as a library
                             dependency (``lib_deps``), its manifest pointing at the CMSIS-NN tree
                             the build used (by path, never copied). The CMSIS Core headers are
                             the framework's own (Arduino and Mbed both bring them): another copy
                             on the include path would mix two versions of core_cm*.h.

A user builds and uploads it with `pio run -t upload`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..boards import Board
from ..cmsis import NN_REPOSITORY, PINNED_COMMITS, CmsisTrees
from ..codegen.model_info import ModelInfo
from ..errors import BoardError
from ..fsutil import MARKER
from ..resources import FIRMWARE_DIR
from ..templating import environment
from .apps import other_apps_files
from .render import firmware_context

BAUD = 115_200
INCLUDE_DIRS = ("src/mcuforge", "src/model")
SKIP_FROM_MODEL = {"model.tflite", "model_info.json", MARKER}
CMSIS_NN_LIBRARY = "CMSIS-NN"
# library_sources' rule, as PlatformIO source filters: the integer sources only
CMSIS_NN_SRC_FILTER = ("+<*>", "-<**/*_f16*.c>", "-<**/*_f32*.c>", "-<**/*_flt*.c>")


def cmsis_nn_manifest(trees: CmsisTrees) -> dict:
    """PlatformIO's library.json for CMSIS-NN, built from ``trees`` where they are."""
    return {
        "name": CMSIS_NN_LIBRARY,
        "description": (f"Arm CMSIS-NN from {trees.nn} (the tree this project was generated "
                        f"with); to build elsewhere, point srcDir and includeDir at a clone of "
                        f"{NN_REPOSITORY} at commit {PINNED_COMMITS['CMSIS-NN']}"),
        "frameworks": "*",
        "platforms": "*",
        "build": {
            "srcDir": str(trees.nn / "Source"),
            "includeDir": str(trees.nn / "Include"),
            "srcFilter": list(CMSIS_NN_SRC_FILTER),
            # CMSIS-NN's default (double-rounding) requantization: TFLite-Micro's
            "flags": ["-O2"],
        },
    }


def write_platformio_project(model: ModelInfo, board: Board, out_dir: Path,
                             stack_bytes: int, cmsis: CmsisTrees | None = None,
                             isa_code: int = 0) -> Path:
    """The project; ``cmsis`` (with the ISA code of MF_CMSIS_NN_ISA) for a model that calls
    CMSIS-NN."""
    if board.platformio is None:
        raise BoardError(f"{board.id} has no platformio entry in boards.yaml")
    pio = board.platformio
    env = environment()
    context = firmware_context(model, board, stack_bytes, framework=pio.framework)
    uses_cmsis = model.uses_cmsis_nn and cmsis is not None
    context.update({"pio": pio, "env": board.id, "baud": BAUD, "include_dirs": INCLUDE_DIRS,
                    "lib_deps": [CMSIS_NN_LIBRARY] if uses_cmsis else [],
                    "pio_defines": [f"MF_CMSIS_NN_ISA={isa_code}"] if uses_cmsis else [],
                    "extra_includes": [str(cmsis.nn / "Include")] if uses_cmsis and cmsis else []})

    src = out_dir / "src"
    (src / "mcuforge").mkdir(parents=True)
    for path in sorted((FIRMWARE_DIR / "app").iterdir()):
        if path.suffix in (".c", ".h") and path.name not in other_apps_files():
            shutil.copyfile(path, src / "mcuforge" / path.name)
    shutil.copytree(model.folder, src / "model",
                    ignore=lambda _dir, names: [n for n in names if n in SKIP_FROM_MODEL])
    if uses_cmsis and cmsis is not None:
        lib = out_dir / "lib" / CMSIS_NN_LIBRARY
        lib.mkdir(parents=True)
        (lib / "library.json").write_text(json.dumps(cmsis_nn_manifest(cmsis), indent=2) + "\n")
    (out_dir / "platformio.ini").write_text(env.get_template("firmware/platformio.ini.j2").render(context))
    (src / "main.cpp").write_text(
        env.get_template(f"firmware/pio_main_{pio.framework}.cpp.j2").render(context))
    (src / "mf_model_glue.c").write_text(
        env.get_template("firmware/mf_model_glue.c.j2").render(context))
    return out_dir
