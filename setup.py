"""Packaging that pyproject.toml cannot say on its own.

1. The import name: the source folder is ``pipeline/`` (the project layout) but the package
   installs as ``mcuforge``, so ``import mcuforge`` and ``python -m mcuforge`` work and nothing
   claims the generic name ``pipeline``.
2. Package data from the project root: ``templates/``, ``firmware/``, ``models/`` and
   ``boards.yaml`` are copied into ``mcuforge/_data/`` of a wheel or a non-editable install.
   An editable install reads them from the checkout instead (``mcuforge.resources``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SOURCE_DIR = "pipeline"  # installs as the package mcuforge
DATA_DIRS = ("templates", "firmware", "models")
DATA_FILES = ("boards.yaml",)
DATA_PACKAGE = "_data"   # mcuforge/_data/ in an installed copy; see mcuforge.resources


class build_py_with_data(build_py):
    """build_py into a clean <build_lib>/mcuforge/, then the root-level data into its _data/.

    The package folder of build/lib is emptied first: setuptools never removes what an earlier
    build left there, and bdist_wheel packs all of it, so a module or sub-package since renamed
    or deleted (pipeline/build/ became pipeline/builder/) would otherwise ship in the wheel.
    An editable install copies nothing: it reads the data from the checkout.
    """

    def run(self) -> None:
        package_dir = Path(self.build_lib) / "mcuforge"
        if not self.editable_mode and package_dir.exists():
            shutil.rmtree(package_dir)
        super().run()
        if self.editable_mode:
            return
        target = package_dir / DATA_PACKAGE
        target.mkdir(parents=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.o")
        for name in DATA_DIRS:
            shutil.copytree(ROOT / name, target / name, ignore=ignore)
        for name in DATA_FILES:
            shutil.copyfile(ROOT / name, target / name)


def packages() -> list[str]:
    """``mcuforge`` and, as its sub-packages, every folder under pipeline/ that holds a module.

    Found by walking the folder rather than by find_packages(), which skips a folder whose
    __init__.py is missing: such a folder still imports from the checkout (and so in every test)
    but would be silently left out of the wheel. tests/test_packaging.py asks for the
    __init__.py and checks that the wheel holds every module.
    """
    source = ROOT / SOURCE_DIR
    folders = {p.parent for p in source.rglob("*.py") if "__pycache__" not in p.parts}
    return sorted(".".join(("mcuforge", *folder.relative_to(source).parts))
                  for folder in folders | {source})


setup(
    packages=packages(),
    package_dir={"mcuforge": SOURCE_DIR},
    cmdclass={"build_py": build_py_with_data},
)
