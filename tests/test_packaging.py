"""Packaging: the import name ``mcuforge`` and an installed copy that carries its data.

The fast tests check the install the tests run in (editable, from the checkout): ``import
mcuforge``, ``python -m mcuforge``, the ``mcuforge`` console script, and that every source folder
is a package setup.py picks up.

The slow tests build what a user would install from a copy of the checkout's files (what a clone
has, nothing under build/ or .venv/): ``python -m build`` (the sdist, then the wheel from the
sdist) and ``pip wheel .`` (what ``pip install .`` builds). Both wheels must hold every module of
pipeline/ as ``mcuforge``, no top-level ``pipeline``, and templates/, firmware/, models/ and
boards.yaml byte for byte under ``mcuforge/_data/``. The sdist's wheel is then installed with
the core dependencies only (no TensorFlow) into a fresh virtual environment, and from a folder
outside the checkout ``mcuforge boards``, ``compile`` and ``emulate --host`` (and under QEMU,
``emulate --board``) must work and be bit-exact. Needs the package index (or pip's cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import mcuforge
from conftest import IN_CI, REPO, SHARED_MODELS, require_module, require_tool
from many_ops_model import many_ops_model

SOURCE = REPO / "pipeline"
DATA_DIRS = ("templates", "firmware", "models")
DATA_FILES = ("boards.yaml",)
# What setup.py leaves out of _data/ (build by-products that may sit in the checkout).
DATA_IGNORED_DIRS = ("__pycache__",)
DATA_IGNORED_SUFFIXES = (".pyc", ".o")
# Never part of a source tree a user builds from: top-level build output, caches and the virtual
# environment (git ls-files leaves them out anyway; this is for a checkout without git).
NOT_SOURCE_TOP = {".git", ".venv", "build", "dist", "data", ".pytest_cache", ".mypy_cache",
                  ".ruff_cache"}


def _run(cmd, cwd: Path, env: dict | None = None,
         timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(map(str, cmd))} (in {cwd}) exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}")
    return result


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def _is_data_file(rel: Path) -> bool:
    return (not any(part in DATA_IGNORED_DIRS for part in rel.parts)
            and rel.suffix not in DATA_IGNORED_SUFFIXES)


def _source_packages(root: Path) -> list[Path]:
    """Folders under ``root`` that hold Python modules (every one must be a package)."""
    return sorted({p.parent for p in root.rglob("*.py") if "__pycache__" not in p.parts})


# ---- the install the tests run in (editable) ----

def test_every_source_folder_is_a_package():
    """setup.py lists find_packages("pipeline"): a folder without __init__.py would be missing
    from the wheel while the editable install (and so every other test) still imports it."""
    missing = [str(d.relative_to(REPO)) for d in _source_packages(SOURCE)
               if not (d / "__init__.py").is_file()]
    assert not missing, f"add an __init__.py to: {', '.join(missing)}"


def test_import_name_is_mcuforge(tmp_path):
    code = ("import importlib.util, mcuforge, mcuforge.resources as r; "
            "print(mcuforge.__file__); print(r.DATA_ROOT); "
            "print(importlib.util.find_spec('pipeline') is None)")
    out = _run([sys.executable, "-c", code], cwd=tmp_path).stdout.splitlines()
    assert Path(out[0]).resolve() == (SOURCE / "__init__.py").resolve(), out
    assert Path(out[1]).resolve() == REPO.resolve(), "an editable install reads the checkout's data"
    assert out[2] == "True", "nothing may install a top-level package called `pipeline`"


def test_module_and_console_script(tmp_path):
    expected = f"mcuforge {mcuforge.__version__}"
    version = _run([sys.executable, "-m", "mcuforge", "--version"], cwd=tmp_path).stdout.strip()
    assert version == expected
    script = shutil.which("mcuforge", path=str(Path(sys.executable).parent))
    if script is None:
        message = f"no mcuforge console script beside {sys.executable} (scripts/setup.sh)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    assert _run([script, "--version"], cwd=tmp_path).stdout.strip() == expected


def test_data_is_where_the_code_looks():
    from mcuforge import resources

    for path in (resources.TEMPLATES_DIR, resources.FIRMWARE_DIR, resources.KERNELS_DIR,
                 resources.INCLUDE_DIR, resources.MODELS_DIR):
        assert path.is_dir(), path
    assert resources.BOARDS_FILE.is_file()


# ---- what a user installs: sdist and wheels ----

def _checkout_files() -> list[Path]:
    """The checkout's files as a clone would have them (tracked, plus new files not ignored)."""
    git = shutil.which("git")
    if git and (REPO / ".git").exists():
        out = subprocess.run([git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO, capture_output=True, check=True).stdout
        rels = [Path(p) for p in out.decode().split("\0") if p]
    else:
        rels = [p.relative_to(REPO) for p in REPO.rglob("*") if p.is_file()]
    return sorted(r for r in rels
                  if r.parts[0] not in NOT_SOURCE_TOP and not r.parts[0].endswith(".egg-info")
                  and "__pycache__" not in r.parts and (REPO / r).is_file())


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """sdist, wheel built from the sdist, and wheel built from the tree (``pip install .``)."""
    require_module("build")
    work = tmp_path_factory.mktemp("packaging")
    src = work / "src"
    for rel in _checkout_files():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run([sys.executable, "-m", "build", "--outdir", work / "dist", src], cwd=work, env=env)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "direct", src],
         cwd=work, env=env)
    (sdist,) = (work / "dist").glob("mcuforge-*.tar.gz")
    (wheel,) = (work / "dist").glob("mcuforge-*.whl")
    (direct,) = (work / "direct").glob("mcuforge-*.whl")
    return {"src": src, "sdist": sdist, "wheel": wheel, "direct_wheel": direct}


def _expected_wheel_files(src: Path) -> dict[str, Path]:
    """Wheel member name -> the source file it must equal."""
    files = {f"mcuforge/{p.relative_to(src / 'pipeline').as_posix()}": p
             for p in (src / "pipeline").rglob("*.py") if "__pycache__" not in p.parts}
    for name in DATA_DIRS:
        for p in (src / name).rglob("*"):
            rel = p.relative_to(src)
            if p.is_file() and _is_data_file(rel):
                files[f"mcuforge/_data/{rel.as_posix()}"] = p
    for name in DATA_FILES:
        files[f"mcuforge/_data/{name}"] = src / name
    return files


@pytest.mark.slow
@pytest.mark.parametrize("which", ["wheel", "direct_wheel"])
def test_wheel_holds_every_module_and_the_data(dists, which):
    expected = _expected_wheel_files(dists["src"])
    with zipfile.ZipFile(dists[which]) as whl:
        names = set(whl.namelist())
        dist_info = f"mcuforge-{mcuforge.__version__}.dist-info"
        top = {n.split("/")[0] for n in names}
        assert top == {"mcuforge", dist_info}, f"unexpected top-level entries: {top}"
        assert whl.read(f"{dist_info}/top_level.txt").decode().split() == ["mcuforge"]
        entry_points = whl.read(f"{dist_info}/entry_points.txt").decode()
        assert "mcuforge = mcuforge.cli:main" in entry_points
        packaged = {n for n in names if not n.startswith(dist_info) and not n.endswith("/")}
        missing = sorted(set(expected) - packaged)
        extra = sorted(packaged - set(expected))
        assert not missing, f"{which} lacks {len(missing)} files, e.g. {missing[:10]}"
        assert not extra, f"{which} has files the source does not (stale build?): {extra[:10]}"
        differ = [n for n, p in expected.items() if whl.read(n) != p.read_bytes()]
        assert not differ, f"{which}: files differ from the source: {differ[:10]}"
    for name in (*DATA_DIRS, *DATA_FILES):
        assert any(n.startswith(f"mcuforge/_data/{name}") for n in names), name


@pytest.mark.slow
def test_sdist_holds_the_data(dists):
    with tarfile.open(dists["sdist"]) as sdist:
        root = sdist.getnames()[0].split("/")[0]
        names = {n[len(root) + 1:] for n in sdist.getnames() if n.startswith(root + "/")}
    src = dists["src"]
    wanted = {p.relative_to(src).as_posix() for name in (*DATA_DIRS, "pipeline")
              for p in (src / name).rglob("*") if p.is_file() and _is_data_file(p.relative_to(src))}
    wanted |= {*DATA_FILES, "setup.py", "pyproject.toml", "README.md"}
    missing = sorted(wanted - names)
    assert not missing, f"the sdist lacks {len(missing)} files, e.g. {missing[:10]}"


@pytest.fixture(scope="module")
def wheel_venv(dists, tmp_path_factory) -> tuple[Path, dict, Path]:
    """(venv bin folder, environment, a work folder outside the checkout) with the sdist's wheel
    installed and the core dependencies only."""
    root = tmp_path_factory.mktemp("wheel_venv")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=root)
    bindir = venv / "bin"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               MCUFORGE_CACHE=str(root / "cache"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    _run([bindir / "python", "-m", "pip", "install", "-q", dists["wheel"]], cwd=root, env=env)
    work = root / "work"
    work.mkdir()
    assert REPO.resolve() not in work.resolve().parents
    return bindir, env, work


@pytest.mark.slow
def test_wheel_install_is_core_only_and_named_mcuforge(wheel_venv):
    bindir, env, work = wheel_venv
    code = ("import importlib.util as u, mcuforge, mcuforge.resources as r; "
            "print(mcuforge.__file__); print(r.DATA_ROOT); "
            "print(u.find_spec('pipeline') is None, u.find_spec('tensorflow') is None)")
    out = _run([bindir / "python", "-c", code], cwd=work, env=env).stdout.splitlines()
    package = Path(out[0]).parent
    assert "site-packages" in package.parts and REPO.resolve() not in package.resolve().parents
    assert Path(out[1]) == package / "_data", "an installed copy reads its own _data/"
    assert out[2] == "True True", "no top-level `pipeline` package; no TensorFlow in a core install"
    expected = f"mcuforge {mcuforge.__version__}"
    for cmd in ([bindir / "python", "-m", "mcuforge", "--version"],
                [bindir / "mcuforge", "--version"]):
        assert _run(cmd, cwd=work, env=env).stdout.strip() == expected, cmd
    boards = _last_json(_run([bindir / "mcuforge", "boards", "--json"], cwd=work, env=env).stdout)
    assert {"mps2_an386", "mps3_an547", "rpi_pico"} <= {b["id"] for b in boards["boards"]}


def _models(work: Path) -> list[Path]:
    """The every-op model (always), and the MLPerf Tiny KWS reference model when it is beside
    the checkout."""
    model = work / "many_ops.tflite"
    model.write_bytes(many_ops_model())
    kws = SHARED_MODELS / "kws_ref_model.tflite"
    return [model, *([kws] if kws.is_file() else [])]


@pytest.mark.slow
@pytest.mark.host
def test_wheel_compiles_and_emulates_on_the_host(wheel_venv, host_cc):
    bindir, env, work = wheel_venv
    for model in _models(work):
        out = work / f"{model.stem}_c"
        compiled = _last_json(_run([bindir / "mcuforge", "compile", model, "--out", out, "--json"],
                                   cwd=work, env=env).stdout)
        assert compiled["calls"] >= 1 and (out / "model_info.json").is_file()
        ran = _last_json(_run([bindir / "mcuforge", "emulate", out, "--host", "--random", "5",
                               "--json"], cwd=work, env=env).stdout)
        assert ran["vectors"] == 5 and ran["bit_exact"] == 5, (model.name, ran)


@pytest.mark.slow
@pytest.mark.qemu
@pytest.mark.cross
def test_wheel_builds_firmware_and_runs_it_under_qemu(wheel_venv):
    """firmware/app, firmware/platform and templates/firmware come from the wheel too."""
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    bindir, env, work = wheel_venv
    model = _models(work)[0]
    out = work / "qemu_c"
    _run([bindir / "mcuforge", "compile", model, "--out", out, "--json"], cwd=work, env=env)
    ran = _last_json(_run([bindir / "mcuforge", "emulate", out, "--board", "mps2_an386",
                           "--random", "2", "--json"], cwd=work, env=env).stdout)
    assert ran["vectors"] == 2 and ran["bit_exact"] == 2, ran
    assert REPO.resolve() not in Path(ran["elf"]).resolve().parents
