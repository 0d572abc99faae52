"""Where the non-Python parts of mcuforge live: templates/ and firmware/ at the project root.

mcuforge is installed editable (``pip install -e .``) from its checkout, so these folders are found
next to the ``pipeline`` package.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
FIRMWARE_DIR = PROJECT_ROOT / "firmware"
KERNELS_DIR = FIRMWARE_DIR / "kernels"
INCLUDE_DIR = FIRMWARE_DIR / "include"
MODELS_DIR = PROJECT_ROOT / "models"


def cache_dir() -> Path:
    """Where mcuforge keeps what it can rebuild: $MCUFORGE_CACHE, else ~/.cache/mcuforge."""
    return Path(os.environ.get("MCUFORGE_CACHE") or Path.home() / ".cache" / "mcuforge")
