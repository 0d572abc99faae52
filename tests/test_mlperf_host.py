"""The MLPerf Tiny mode's command handling (firmware/app/mf_mlperf.c) on the host: the file
compiled with a stand-in model and port (stdin/stdout, a counter that steps by a fixed amount on
every read), so every reply can be checked exactly. The results of all 256 int8 values at
scales from 1e-7 to 1e5 read back to the same int8; the timestamps stay exact across counter
wraps."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mcuforge.cbuild import C_FLAGS
from mcuforge.codegen.model_info import IOInfo
from mcuforge.device.mlperf import parse_results, quantized
from mcuforge.resources import FIRMWARE_DIR

# Output 0 is every int8 value -128..127 in order; output 1 the first 3 input bytes. An input
# whose 4th byte is 99 fails in kernel call 2 (status 3).
STAND_IN = r"""
#include <stdio.h>
#include <stdlib.h>
#include "mf_app.h"
#include "mf_port.h"

static int8_t input[4];
static int8_t output[259];
static const uint32_t input_sizes[1] = {4};
static const uint32_t output_sizes[2] = {256, 3};

static int invoke(const int8_t *in, int8_t *out)
{
    int i;
    for (i = 0; i < 256; ++i) {
        out[i] = (int8_t)(i - 128);
    }
    for (i = 0; i < 3; ++i) {
        out[256 + i] = in[i];
    }
    return in[3] == 99 ? 3 : 0;
}

const mf_app_config mf_app = {
    .firmware = "test", .board = "host", .model = "stand_in", .sha256 = "ab12",
    .input_size = 4, .output_size = 259, .inputs = 1, .input_sizes = input_sizes,
    .outputs = 2, .output_sizes = output_sizes, .arena_size = 0, .input = input,
    .output = output, .invoke = invoke, .kernels = "portable", .isa = "none",
};
/* output 0's scale and zero point, and the counter's step, from the environment (see main) */
static double scales[2] = {0.0, 0.5};
static int32_t zero_points[2] = {0, -3};
static uint32_t tick_step;
const mf_mlperf_config mf_mlperf = {"kws01", scales, zero_points, 0u};

static uint32_t now;
void mf_port_init(void) {}
int mf_port_getc(void) { int c = getchar(); if (c == EOF) { exit(0); } return c; }
void mf_port_putc(int c) { putchar(c); }
void mf_port_flush(void) {}
uint32_t mf_port_ticks(void) { now += tick_step; return now; }
const char *mf_port_counter_name(void) { return "fake"; }
uint32_t mf_port_counter_hz(void) { return 1000000u; }
void mf_port_exit(int code) { exit(code); }
uint32_t mf_port_stack_used(void) { return 0; }
uint32_t mf_port_stack_size(void) { return 0; }
int main(void)
{
    scales[0] = strtod(getenv("SCALE0"), NULL);
    zero_points[0] = (int32_t)strtol(getenv("ZERO_POINT0"), NULL, 10);
    tick_step = (uint32_t)strtoul(getenv("TICK_STEP"), NULL, 10);
    mf_app_run();
    return 0;
}
"""


@pytest.fixture(scope="module")
def mlperf_exe(tmp_path_factory) -> Path:
    """mf_mlperf.c and the stand-in, built once with the host compiler."""
    from conftest import require_tool

    cc = require_tool("cc", "gcc", "clang")
    tmp = tmp_path_factory.mktemp("mlperf")
    glue = tmp / "stand_in.c"
    glue.write_text(STAND_IN)
    subprocess.run([cc, *C_FLAGS, f"-I{FIRMWARE_DIR / 'app'}", str(glue),
                    str(FIRMWARE_DIR / "app" / "mf_mlperf.c"),
                    str(FIRMWARE_DIR / "app" / "mf_text.c"), "-o", str(tmp / "mlperf")], check=True)
    return tmp / "mlperf"


def _run(exe: Path, commands: str, scale: float = 1 / 256, zero_point: int = -128,
         tick_step: int = 1000) -> list[list[str]]:
    """The replies to ``commands`` (each a list of lines, the m-ready dropped): [0] is start-up."""
    env = {"SCALE0": repr(scale), "ZERO_POINT0": str(zero_point), "TICK_STEP": str(tick_step)}
    out = subprocess.run([str(exe)], input=commands.encode(), capture_output=True, env=env,
                         timeout=10).stdout.decode("ascii")
    assert "\n" not in out.replace("\r\n", ""), "every line ends with \\r\\n"
    replies, lines = [], []
    for line in out.split("\r\n")[:-1]:
        if line == "m-ready":
            replies.append(lines)
            lines = []
        else:
            lines.append(line)
    assert lines == []
    return replies


OUTPUTS = (IOInfo("probabilities", (1, 256), "int8_t", 1 / 256, -128, 256),
           IOInfo("echo", (1, 3), "int8_t", 0.5, -3, 3))


@pytest.mark.host
@pytest.mark.parametrize("scale, zero_point", [(1 / 256, -128), (1.2345e-7, 5), (98765.4321, 0)])
def test_results_read_back_exactly(mlperf_exe, scale, zero_point):
    replies = _run(mlperf_exe, "db load 4%db 7f80fe00%infer 1 0%results%",
                   scale, zero_point)
    assert replies[1] == ["m-[Expecting 4 bytes]"] and replies[2] == ["m-load-done"]
    outputs = (dataclasses.replace(OUTPUTS[0], scale=scale, zero_point=zero_point), OUTPUTS[1])
    results = parse_results(replies[3])
    assert results is not None and parse_results(replies[4]) == results
    got = quantized(results, outputs)
    assert np.array_equal(got[:256], np.arange(-128, 128))
    assert list(got[256:]) == [127, -128, -2]         # the bytes loaded: 7f 80 fe
    # each value is (q - zero_point) * scale to 9 significant digits
    exact = (np.arange(-128, 128) - zero_point) * scale
    assert np.allclose(results[:256], exact, rtol=6e-9, atol=0.0)


@pytest.mark.host
@pytest.mark.parametrize("tick_step", [1000, 3_000_000_000])
def test_commands_and_timestamps(mlperf_exe, tick_step):
    """The start-up lines, name, profile, db, infer with warm-up, and errors; the counter steps
    by ``tick_step`` (at 1 MHz) on every read, 3e9 wrapping the 32-bit counter on most reads."""
    replies = _run(mlperf_exe, "\r\nname%profile%timestamp%infer 1%db load 5%db load 0%"
                   "db load 4%db 0102%db print%db 030%db 0x%db 04%db print%infer 3 2%"
                   "db load 4%db 00000063%infer 1 0%results%bogus%infer 0%%help%", tick_step=tick_step)
    start, name, profile, stamp, early, big, zero, *rest = replies
    assert start[0] == "m-timestamp-mode-performance" and start[2:] == ["m-init-done"]
    assert name == ["m-name-dut-[mcuforge]"]
    assert profile == ["m-profile-[mcuforge test stand_in board=host sha256=ab12]", "m-model-[kws01]"]
    assert stamp[0].startswith("m-lap-us-")
    assert early == ["e-[infer: 0 input bytes loaded, the model takes 4 (db load, then db with the data)]"]
    assert big == ["e-[db load 5: the model takes 4 bytes]"]
    assert zero == ["e-[db load needs a byte count of 1 or more]"]
    load, half, printed, odd, bad, done, printed_all, infer, *rest = rest
    assert load == ["m-[Expecting 4 bytes]"] and half == []
    assert printed == ["m-buffer-01-02-00-00"]    # the bytes not loaded yet are what was there
    assert odd == ["e-[db: an odd number of hex digits]"]
    assert bad == ["e-[db: a character that is not a hex digit]"]
    assert done == ["m-load-done"] and printed_all == ["m-buffer-01-02-03-04"]
    assert infer[:3] == ["m-warmup-start-2", "m-warmup-done", "m-infer-start-3"]
    assert infer[5] == "m-infer-done" and infer[6].startswith("m-results-[")
    # t0, 3 inferences (a counter read after each), t1: 4 steps of tick_step at 1 MHz
    t0, t1 = (int(line.removeprefix("m-lap-us-")) for line in infer[3:5])
    assert t1 - t0 == 4 * tick_step
    _, _, failed, results, bogus, zero_n, empty, helped = rest
    assert failed[-1] == "e-[inference failed in kernel call 2]"
    assert results == ["e-[results: no inference has run yet]"]
    assert bogus == ["e-[Unknown command: bogus]"]
    assert zero_n == ["e-[infer: the number of inferences must be 1 or more]"]
    assert empty == [] and len(helped) > 5
