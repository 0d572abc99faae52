"""Test markers and the rule that, under CI=true, a test may not skip for a missing tool."""

from __future__ import annotations

import functools
import importlib
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_MODELS = REPO.parent / "shared" / "models"
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_tool(*names: str) -> str:
    """The first of ``names`` on PATH; skips the test when none is, but fails under CI=true."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    message = f"none of {', '.join(names)} is installed"
    if IN_CI:
        pytest.fail(f"{message}; CI must install it (.ci/run)")
    pytest.skip(message)


def require_module(name: str):
    """Imports a Python module (``pytest.importorskip``, also at module level); skips without it,
    but fails under CI=true, which installs everything."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if IN_CI:
            pytest.fail(f"Python module {name} is not installed; CI must install it")
        pytest.skip(f"Python module {name} is not installed", allow_module_level=True)


SHARED_THIRD_PARTY = REPO.parent / "shared" / "third_party"


@functools.cache
def _cmsis_trees():
    from mcuforge.cmsis import CmsisError, find_cmsis

    nn = os.environ.get("MCUFORGE_CMSIS_NN") or SHARED_THIRD_PARTY / "CMSIS-NN"
    core = os.environ.get("MCUFORGE_CMSIS_CORE") or SHARED_THIRD_PARTY / "CMSIS_6"
    try:
        return find_cmsis(nn, core)
    except CmsisError as exc:
        return str(exc)


def require_cmsis():
    """The CMSIS-NN and CMSIS Core trees (mcuforge.cmsis.CmsisTrees): $MCUFORGE_CMSIS_NN and
    $MCUFORGE_CMSIS_CORE, else the pinned trees beside the checkout; skips the test without them,
    but fails under CI=true."""
    trees = _cmsis_trees()
    if isinstance(trees, str):
        if IN_CI:
            pytest.fail(f"CI must provide CMSIS-NN and CMSIS Core: {trees}")
        pytest.skip(trees)
    return trees


def shared_model(name: str) -> Path:
    """An external reference model from ../shared/models; skipped in a user's clone without it."""
    path = SHARED_MODELS / name
    if not path.is_file():
        pytest.skip(f"{path} not present (external reference models live beside the repo)")
    return path


@pytest.fixture
def host_cc() -> str:
    return require_tool("cc", "gcc", "clang")


@pytest.fixture(scope="module")
def kws_c(request, tmp_path_factory) -> Path:
    """The reference KWS model's generated C, once per module, for the board tests: needs
    arm-none-eabi-gcc, and qemu-system-arm too in a module marked ``qemu``."""
    from board_testing import compile_reference

    require_tool("arm-none-eabi-gcc")
    if request.node.get_closest_marker("qemu"):
        require_tool("qemu-system-arm")
    return compile_reference(tmp_path_factory.mktemp("kws") / "c")


# ---- the backend x board matrix on a sample --------------------------------------------------
# The per-case kernel tests under QEMU (tests/kernels/*::test_*_on_board, every case of an op on
# each emulated board and backend) take about 10 s each. CI runs every op on every board they
# name, but only a deterministic sample of the cases (one in MATRIX_SAMPLE, chosen by a hash of
# the test id, so the sample is the same on every run); the same cases all run on the host.
# MCUFORGE_FULL_MATRIX=1 runs them all.
MATRIX_SAMPLE = 10


def _in_sample(nodeid: str) -> bool:
    import zlib

    return zlib.crc32(nodeid.encode()) % MATRIX_SAMPLE == 0


def pytest_collection_modifyitems(config, items):
    if os.environ.get("MCUFORGE_FULL_MATRIX") == "1":
        return
    keep, drop = [], []
    for item in items:
        sampled = ("tests/kernels/" in item.nodeid and "_on_board[" in item.nodeid
                   and "reference_models" not in item.nodeid)  # whole models: every board
        (keep if not sampled or _in_sample(item.nodeid) else drop).append(item)
    # every on-board test function keeps at least one case
    kept = {i.nodeid.split("[")[0] for i in keep}
    for item in drop:
        if item.nodeid.split("[")[0] not in kept:
            keep.append(item)
            kept.add(item.nodeid.split("[")[0])
    kept_ids = {id(i) for i in keep}
    deselected = [i for i in drop if id(i) not in kept_ids]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if id(i) in kept_ids]
