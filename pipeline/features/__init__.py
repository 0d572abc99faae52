"""mcuforge.features: the integer KWS audio front end (int16 audio -> int32 MFCC-like features).

See ``frontend.py`` for the exact definition; ``firmware/frontend/mf_frontend.c`` is its C twin.
``dataset.py`` turns a recipe's dataset into the model inputs of every split (``FeatureSet``,
``featureset.py``: features.npz), front-end features for speech and uint8 pixels for images.
"""

from .frontend import (
    DEFAULT_CONFIG,
    FEATURE_SCALE,
    FrontendConfig,
    FrontendTables,
    compute_features,
    compute_features_reference,
    compute_frame_features,
    frontend_tables,
    mel_weights_float,
    power_bound,
    render_c_tables,
    write_c_tables,
)

__all__ = [
    "DEFAULT_CONFIG",
    "FEATURE_SCALE",
    "FrontendConfig",
    "FrontendTables",
    "compute_features",
    "compute_features_reference",
    "frontend_tables",
    "mel_weights_float",
    "compute_frame_features",
    "power_bound",
    "render_c_tables",
    "write_c_tables",
]
