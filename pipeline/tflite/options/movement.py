"""Options of the data-movement ops: STRIDED_SLICE, SPLIT, SPLIT_V, SQUEEZE, PACK, UNPACK, GATHER,
RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, DEPTH_TO_SPACE and SPACE_TO_DEPTH.

TRANSPOSE, SLICE, EXPAND_DIMS, BATCH_TO_SPACE_ND and SPACE_TO_BATCH_ND have empty options tables
in the schema (everything they need is in their input tensors), so nothing is parsed for them.

Field ids are the declaration order in the TFLite schema (schema.fbs): e.g. StridedSliceOptions
is begin_mask (0), end_mask (1), ellipsis_mask (2), new_axis_mask (3), shrink_axis_mask (4),
offset (5). An absent table reads as the schema defaults, as TFLite-Micro's parser does.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ModelFileError
from . import positive


@dataclass(frozen=True)
class StridedSliceOptions:
    begin_mask: int = 0
    end_mask: int = 0
    ellipsis_mask: int = 0
    new_axis_mask: int = 0
    shrink_axis_mask: int = 0
    offset: bool = False     # end is relative to begin (TFLite-Micro ignores it)


@dataclass(frozen=True)
class SplitOptions:
    num_splits: int = 0


@dataclass(frozen=True)
class SplitVOptions:
    num_splits: int = 0


@dataclass(frozen=True)
class SqueezeOptions:
    squeeze_dims: tuple[int, ...] = ()   # empty: every dimension of extent 1


@dataclass(frozen=True)
class PackOptions:
    values_count: int = 0
    axis: int = 0


@dataclass(frozen=True)
class UnpackOptions:
    num: int = 0
    axis: int = 0


@dataclass(frozen=True)
class GatherOptions:
    axis: int = 0
    batch_dims: int = 0


@dataclass(frozen=True)
class ResizeNearestNeighborOptions:
    align_corners: bool = False
    half_pixel_centers: bool = False


@dataclass(frozen=True)
class ResizeBilinearOptions:
    align_corners: bool = False
    half_pixel_centers: bool = False


@dataclass(frozen=True)
class DepthToSpaceOptions:
    block_size: int


@dataclass(frozen=True)
class SpaceToDepthOptions:
    block_size: int


def _mask(t, field_id: int, name: str, where: str, file: str) -> int:
    value = t.scalar(field_id, "i", 0, name)
    if value < 0:
        raise ModelFileError(f"{file}: {where}: {name} is {value}; a bit mask cannot be negative")
    return value


def _strided_slice(t, where: str, file: str) -> StridedSliceOptions:
    return StridedSliceOptions(
        begin_mask=_mask(t, 0, "begin_mask", where, file),
        end_mask=_mask(t, 1, "end_mask", where, file),
        ellipsis_mask=_mask(t, 2, "ellipsis_mask", where, file),
        new_axis_mask=_mask(t, 3, "new_axis_mask", where, file),
        shrink_axis_mask=_mask(t, 4, "shrink_axis_mask", where, file),
        offset=bool(t.scalar(5, "?", False, "offset")),
    )


def _split(t, where: str, file: str) -> SplitOptions:
    return SplitOptions(num_splits=t.scalar(0, "i", 0, "num_splits"))


def _split_v(t, where: str, file: str) -> SplitVOptions:
    return SplitVOptions(num_splits=t.scalar(0, "i", 0, "num_splits"))


def _squeeze(t, where: str, file: str) -> SqueezeOptions:
    dims = t.vector(0, "<i4", "squeeze_dims")
    return SqueezeOptions(squeeze_dims=() if dims is None else tuple(int(d) for d in dims))


def _pack(t, where: str, file: str) -> PackOptions:
    return PackOptions(values_count=t.scalar(0, "i", 0, "values_count"),
                       axis=t.scalar(1, "i", 0, "axis"))


def _unpack(t, where: str, file: str) -> UnpackOptions:
    return UnpackOptions(num=t.scalar(0, "i", 0, "num"), axis=t.scalar(1, "i", 0, "axis"))


def _gather(t, where: str, file: str) -> GatherOptions:
    return GatherOptions(axis=t.scalar(0, "i", 0, "axis"),
                         batch_dims=t.scalar(1, "i", 0, "batch_dims"))


def _resize_nearest(t, where: str, file: str) -> ResizeNearestNeighborOptions:
    return ResizeNearestNeighborOptions(
        align_corners=bool(t.scalar(0, "?", False, "align_corners")),
        half_pixel_centers=bool(t.scalar(1, "?", False, "half_pixel_centers")))


def _resize_bilinear(t, where: str, file: str) -> ResizeBilinearOptions:
    # new_height (0) and new_width (1) are deprecated: the size is the second input
    return ResizeBilinearOptions(
        align_corners=bool(t.scalar(2, "?", False, "align_corners")),
        half_pixel_centers=bool(t.scalar(3, "?", False, "half_pixel_centers")))


def _depth_to_space(t, where: str, file: str) -> DepthToSpaceOptions:
    return DepthToSpaceOptions(block_size=positive(t.scalar(0, "i", 0, "block_size"),
                                                   "block_size", where, file))


def _space_to_depth(t, where: str, file: str) -> SpaceToDepthOptions:
    return SpaceToDepthOptions(block_size=positive(t.scalar(0, "i", 0, "block_size"),
                                                   "block_size", where, file))


# op name -> (BuiltinOptions union tag, options table name, parser, options table required)
PARSERS = {
    "RESIZE_BILINEAR": (15, "ResizeBilinearOptions", _resize_bilinear, False),
    "SPACE_TO_DEPTH": (19, "SpaceToDepthOptions", _space_to_depth, True),
    "GATHER": (23, "GatherOptions", _gather, False),
    "SQUEEZE": (30, "SqueezeOptions", _squeeze, False),
    "STRIDED_SLICE": (32, "StridedSliceOptions", _strided_slice, False),
    "SPLIT": (35, "SplitOptions", _split, False),
    "PACK": (59, "PackOptions", _pack, False),
    "UNPACK": (64, "UnpackOptions", _unpack, False),
    "RESIZE_NEAREST_NEIGHBOR": (74, "ResizeNearestNeighborOptions", _resize_nearest, False),
    "SPLIT_V": (79, "SplitVOptions", _split_v, False),
    "DEPTH_TO_SPACE": (94, "DepthToSpaceOptions", _depth_to_space, True),
}
