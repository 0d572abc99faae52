"""Where the non-Python parts of mcuforge live: templates/, firmware/, models/ and boards.yaml.

An installed copy (a wheel, ``pip install .``) carries them as package data in ``mcuforge/_data/``
(setup.py copies them there); an editable install from a checkout reads them from the project
root, next to the ``pipeline/`` source folder. ``DATA_ROOT`` is whichever of the two this copy has.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED_DATA = _PACKAGE_DIR / "_data"
DATA_ROOT = _INSTALLED_DATA if _INSTALLED_DATA.is_dir() else _PACKAGE_DIR.parent
TEMPLATES_DIR = DATA_ROOT / "templates"
FIRMWARE_DIR = DATA_ROOT / "firmware"
KERNELS_DIR = FIRMWARE_DIR / "kernels"
INCLUDE_DIR = FIRMWARE_DIR / "include"
MODELS_DIR = DATA_ROOT / "models"
BOARDS_FILE = DATA_ROOT / "boards.yaml"


def cache_dir() -> Path:
    """Where mcuforge keeps what it can rebuild: $MCUFORGE_CACHE, else ~/.cache/mcuforge."""
    return Path(os.environ.get("MCUFORGE_CACHE") or Path.home() / ".cache" / "mcuforge")
