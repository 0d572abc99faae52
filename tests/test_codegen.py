"""Code generation details: identifiers, file layout."""

from __future__ import annotations

import pytest

from mcuforge.compile import c_identifier


@pytest.mark.parametrize("text, ident", [
    ("kws_ref_model", "kws_ref_model"),
    ("My Model-v2", "my_model_v2"),
    ("3layers", "m_3layers"),
    ("static", "m_static"),
    ("mcuforge_kernels", "m_mcuforge_kernels"),
    ("mf_app", "m_mf_app"),
    ("---", "model"),
])
def test_c_identifier(text, ident):
    assert c_identifier(text) == ident
