"""Options of the reductions lowered by compile/ops/reduce.py: REDUCE_MAX, REDUCE_MIN and SUM
(all three take the schema's ``ReducerOptions``, union tag 27, like MEAN in ``builtin``)."""

from __future__ import annotations

from ..graph import ReducerOptions


def _reducer(t, where: str, file: str) -> ReducerOptions:
    # keep_dims
    return ReducerOptions(keep_dims=bool(t.scalar(0, "?", False, "keep_dims")))


# op name -> (BuiltinOptions union tag, options table name, parser, options table required)
PARSERS = {
    "REDUCE_MAX": (27, "ReducerOptions", _reducer, False),
    "REDUCE_MIN": (27, "ReducerOptions", _reducer, False),
    "SUM": (27, "ReducerOptions", _reducer, False),
}
