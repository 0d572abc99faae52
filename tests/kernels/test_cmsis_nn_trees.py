"""mcuforge.cmsis: finding the CMSIS-NN and CMSIS Core trees (arguments, then the environment;
one-line errors naming the path and the missing file), the sources an int8 model needs, and
CMSIS-NN's buffer-size functions run on the host for each core."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as NS

import pytest

import cmsis_testing as ct
from mcuforge.cmsis import (
    CORE_ENV,
    NN_ENV,
    CmsisError,
    buffer_sizes,
    find_cmsis,
    include_dirs,
    library_sources,
)
from mcuforge.errors import McuforgeError


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(NN_ENV, raising=False)
    monkeypatch.delenv(CORE_ENV, raising=False)


def _fake_nn(root: Path) -> Path:
    (root / "Include").mkdir(parents=True)
    (root / "Include" / "arm_nnfunctions.h").write_text("")
    (root / "Include" / "arm_nn_types.h").write_text("")
    (root / "Source").mkdir()
    return root


def _fake_core(root: Path, sub: str = "CMSIS/Core/Include") -> Path:
    (root / sub).mkdir(parents=True)
    (root / sub / "cmsis_compiler.h").write_text("")
    return root


def test_arguments_then_environment(tmp_path: Path, monkeypatch):
    nn, core = _fake_nn(tmp_path / "nn"), _fake_core(tmp_path / "CMSIS_6")
    monkeypatch.setenv(NN_ENV, str(tmp_path / "elsewhere"))
    monkeypatch.setenv(CORE_ENV, str(core))
    trees = find_cmsis(nn, None)               # the argument wins over a broken environment
    assert trees.nn == nn.resolve()
    assert trees.core == (core / "CMSIS" / "Core" / "Include").resolve()
    assert include_dirs(trees) == [trees.nn / "Include", trees.core]
    with pytest.raises(CmsisError, match=f"elsewhere: no such folder .*from {NN_ENV}"):
        find_cmsis(None, None)


@pytest.mark.parametrize("sub", ["", "Include", "Core/Include", "CMSIS/Core/Include"])
def test_core_folder_may_be_named_at_any_level(tmp_path: Path, sub: str, no_env):
    core = _fake_core(tmp_path / "core", sub) if sub else _fake_core(tmp_path, "core")
    trees = find_cmsis(_fake_nn(tmp_path / "nn"), core if sub else tmp_path / "core")
    assert (trees.core / "cmsis_compiler.h").is_file()


def test_errors_are_one_line_and_name_path_and_file(tmp_path: Path, no_env):
    nn = _fake_nn(tmp_path / "nn")
    (nn / "Include" / "arm_nnfunctions.h").unlink()
    with pytest.raises(CmsisError) as err:
        find_cmsis(nn, _fake_core(tmp_path / "core"))
    message = str(err.value)
    assert "\n" not in message and str(nn) in message and "Include/arm_nnfunctions.h" in message
    assert "--cmsis-nn" in message and isinstance(err.value, McuforgeError)
    with pytest.raises(CmsisError, match="no cmsis_compiler.h"):
        find_cmsis(_fake_nn(tmp_path / "nn2"), tmp_path / "nn2")
    with pytest.raises(CmsisError, match="needs CMSIS-NN: pass --cmsis-nn DIR or set "
                                         f"{NN_ENV}"):
        find_cmsis(None, None)
    with pytest.raises(CmsisError, match="needs the CMSIS Core headers"):
        find_cmsis(_fake_nn(tmp_path / "nn3"), None)


def test_library_sources_are_the_integer_ones():
    sources = library_sources(ct.cmsis_trees())
    names = {s.name for s in sources}
    assert "arm_convolve_wrapper_s8.c" in names and "arm_nntables.c" in names
    assert not [n for n in names if "_f16" in n or "_f32" in n or "_flt" in n]
    assert all(s.suffix == ".c" for s in sources)


@pytest.mark.host
def test_buffer_size_variants(host_cc: str):
    """The plain function is CMSIS-NN's portable figure on the host; _dsp and _mve the cores'."""
    sizes = buffer_sizes(ct.cmsis_trees())
    tile = NS(w=1, h=1)
    conv = NS(input_offset=0, output_offset=0, stride=tile, padding=tile, dilation=tile,
              activation=NS(min=-128, max=127))
    dims = NS(n=1, h=8, w=8, c=3), NS(n=4, h=3, w=3, c=3), NS(n=1, h=8, w=8, c=4)
    assert [sizes.convolve_wrapper_s8(isa, conv, *dims) for isa in ("none", "dsp", "mve")] == \
        [112, 112, 128]
    assert [sizes.avgpool_s8(isa, 4, 10) for isa in ("none", "dsp", "mve")] == [0, 40, 0]
    fc = NS(n=10, h=1, w=1, c=7)
    assert [sizes.fully_connected_s8(isa, fc) for isa in ("none", "dsp", "mve")] == [0, 0, 28]
    with pytest.raises(ValueError):
        sizes.avgpool_s8("m85", 4, 10)
    assert buffer_sizes(ct.cmsis_trees()) is sizes      # built and loaded once
