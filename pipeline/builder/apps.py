"""Which application the firmware runs on top of the model: mcuforge's serial protocol
(firmware/app/mf_app.c; README, "The serial protocol"), or the MLPerf Tiny benchmark API's
commands (firmware/app/mf_mlperf.c; README, "MLPerf Tiny mode"). Both define mf_app_run(); a
build compiles the sources of one of them, never both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..boards import Board
from ..codegen.model_info import ModelInfo
from ..errors import BuildError
from ..resources import FIRMWARE_DIR
from ..templating import environment

APP_DIR = FIRMWARE_DIR / "app"
# mf_text.c (the text parsing both command sets use) belongs to both
APP_SOURCES = {"protocol": ("mf_app.c", "mf_spin.c", "mf_text.c"), "mlperf": ("mf_mlperf.c", "mf_text.c")}
# The model ids of the MLPerf Tiny benchmark (its runner picks the data set and script by them)
MLPERF_MODELS = ("kws01", "vww01", "ic01", "ad01")
MLPERF_GLUE = "mf_mlperf_glue.c"


@dataclass(frozen=True)
class FirmwareApp:
    kind: str = "protocol"              # a key of APP_SOURCES
    mlperf_model: str | None = None     # with kind "mlperf": one of MLPERF_MODELS

    def __post_init__(self) -> None:
        if self.kind not in APP_SOURCES:
            raise BuildError(f"unknown firmware application {self.kind!r} "
                             f"(choose {', '.join(APP_SOURCES)})")
        if self.kind == "mlperf" and self.mlperf_model not in MLPERF_MODELS:
            raise BuildError(f"--app mlperf needs --mlperf-model, one of {', '.join(MLPERF_MODELS)} "
                             f"(the MLPerf Tiny runner picks its data set by it), got "
                             f"{self.mlperf_model!r}")
        if self.kind != "mlperf" and self.mlperf_model is not None:
            raise BuildError("--mlperf-model goes with --app mlperf")

    def sources(self) -> list[Path]:
        return [APP_DIR / name for name in APP_SOURCES[self.kind]]

    def render(self, model: ModelInfo, board: Board, out_dir: Path, context: dict) -> list[Path]:
        """The generated sources this application adds (in ``out_dir``)."""
        if self.kind != "mlperf":
            return []
        glue = out_dir / MLPERF_GLUE
        glue.write_text(environment().get_template(f"firmware/{MLPERF_GLUE}.j2").render(
            {**context, "mlperf_model": self.mlperf_model, "cycle_hz": board.clock_hz}))
        return [glue]


# The streaming KWS application's files (mf_stream*.c/.h): only a build given a FirmwareExtra
# (builder.firmware; pipeline/stream) links them, with the front end and a generated config.
STREAM_PREFIX = "mf_stream"


def other_apps_files() -> set[str]:
    """File names in firmware/app that belong to an application other than the protocol's."""
    others = {name for kind, names in APP_SOURCES.items() if kind != "protocol" for name in names}
    return (others - set(APP_SOURCES["protocol"])) | {p.name for p in APP_DIR.glob(f"{STREAM_PREFIX}*")}


PROTOCOL = FirmwareApp()
