"""MEAN has no CMSIS-NN kernel: on the cmsis-nn backend it keeps the portable kernel, says so
(KernelCall.note, which the summary lists), and the generated code, built with CMSIS-NN, stays
bit-exact."""

from __future__ import annotations

from pathlib import Path

import pytest

import cmsis_testing as ct
import tflite_builder as tb


def test_mean_stays_portable_and_says_so():
    _, program = ct.compile_cmsis(tb.mean_model((1, 3, 3, 8), (1, 2), (0.05, -3), (0.04, 2)))
    call = ct.check_backends(program, fallback="cmsis-nn has no MEAN kernel")
    assert call.function == "mf_mean_s8"


@pytest.mark.host
def test_mean_in_a_cmsis_nn_build(tmp_path: Path, host_cc: str):
    ct.run_case(tb.mean_model((1, 4, 4, 6), (1, 2), (0.05, -3), (0.03, 5)), tmp_path,
                fallback="cmsis-nn has no MEAN kernel")
