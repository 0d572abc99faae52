"""A PlatformIO project for a real board: the same model and protocol application as the
bare-metal image, on the board's framework (Arduino or Mbed), which brings the clock setup, boot
code and the USB/virtual-COM serial port.

    platformio.ini           platform, board, framework, upload protocol, flags, include paths
    src/main.cpp             the framework glue: mf_port.h on Serial (or BufferedSerial), DWT timing
    src/mf_model_glue.c      binds the model to the protocol application
    src/mcuforge/            the protocol application (firmware/app)
    src/model/               the generated C: model, weights, kernels

A user builds and uploads it with `pio run -t upload`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..boards import Board
from ..codegen.model_info import ModelInfo
from ..errors import BoardError
from ..resources import FIRMWARE_DIR
from ..templating import environment
from .render import firmware_context

BAUD = 115_200
INCLUDE_DIRS = ("src/mcuforge", "src/model")
SKIP_FROM_MODEL = {"model.tflite", "model_info.json"}


def write_platformio_project(model: ModelInfo, board: Board, out_dir: Path,
                             stack_bytes: int) -> Path:
    if board.platformio is None:
        raise BoardError(f"{board.id} has no platformio entry in boards.yaml")
    pio = board.platformio
    env = environment()
    context = firmware_context(model, board, stack_bytes, framework=pio.framework)
    context.update({"pio": pio, "env": board.id, "baud": BAUD, "include_dirs": INCLUDE_DIRS})

    src = out_dir / "src"
    (src / "mcuforge").mkdir(parents=True)
    for path in sorted((FIRMWARE_DIR / "app").iterdir()):
        if path.suffix in (".c", ".h"):
            shutil.copyfile(path, src / "mcuforge" / path.name)
    shutil.copytree(model.folder, src / "model",
                    ignore=lambda _dir, names: [n for n in names if n in SKIP_FROM_MODEL])
    (out_dir / "platformio.ini").write_text(env.get_template("firmware/platformio.ini.j2").render(context))
    (src / "main.cpp").write_text(
        env.get_template(f"firmware/pio_main_{pio.framework}.cpp.j2").render(context))
    (src / "mf_model_glue.c").write_text(
        env.get_template("firmware/mf_model_glue.c.j2").render(context))
    return out_dir
