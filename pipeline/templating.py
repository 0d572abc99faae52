"""The one Jinja2 environment for everything rendered from templates/.

Templates only lay out: every value they print (names, sizes, offsets, arithmetic) is computed in
Python. StrictUndefined turns a missing value into an error instead of an empty string.
"""

from __future__ import annotations

import functools

import jinja2

from .resources import TEMPLATES_DIR


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
