"""Read a .tflite file and validate its structure into a ``mcuforge.tflite.graph.Graph``.

What is checked here is structure and internal consistency: the flatbuffer itself (every offset
and length, see ``flatbuf``), the "TFL3" identifier and schema version 3, exactly one subgraph,
operator codes, tensor and buffer indices, constant data sizes, quantization parameters, and the
builtin options of the operators code generation understands (``options``; for the ops of shape
arithmetic that no lowering parses, ``options.shape_ops.FALLBACK_PARSERS``). Whether mcuforge can
generate code for an op or a type is decided later, by the compile stage, which names the op.

Quantization parameters are read as TFLite-Micro reads them (``micro_allocator.cc``; each rule
is tested against its interpreter in tests/test_reader_conformance.py): a tensor is quantized
only if it has both scales and zero points; a zero-point count other than the scale count means
zero_point[0] for every channel; ``quantized_dimension`` is not checked against the shape here
(TFLite-Micro checks it only for the filters of the ops that use per-channel scales, and so does
the compile stage). Beyond TFLite-Micro, which does not look at the values, a scale must be finite
and > 0 and a zero point must fit the tensor's type, as the TFLite quantization spec requires.

Any problem raises a ``McuforgeError`` subclass whose message starts with the file name:
``ModelFileError`` for a broken or inconsistent file, ``UnsupportedModelError`` for a valid file
using something the typed graph cannot represent (several subgraphs, sparse tensors, ...).

Field ids below are the declaration order of the fields in the TFLite schema
(``tensorflow/compiler/mlir/lite/schema/schema.fbs``); a union takes two ids (type, value).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelFileError, UnsupportedModelError
from .flatbuf import FlatBuffer, Table
from .graph import DType, Graph, Operator, Quant, Tensor
from .options import OPTIONS, NoOptions
from .options.shape_ops import FALLBACK_PARSERS

__all__ = ["read_model", "read_model_bytes", "BUILTIN_OPERATORS", "builtin_name"]

FILE_IDENTIFIER = b"TFL3"
SCHEMA_VERSION = 3

# BuiltinOperator enum of the schema: the name of builtin code i is BUILTIN_OPERATORS[i].
BUILTIN_OPERATORS: tuple[str, ...] = (
    # 0-9
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
    # 10-19
    "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION",
    "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
    # 20-29
    "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH",
    "SVDF", "TANH", "CONCAT_EMBEDDINGS",
    # 30-39
    "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN",
    "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE",
    # 40-49
    "MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE",
    "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT",
    # 50-59
    "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM",
    "ARG_MAX", "MINIMUM", "LESS", "NEG",
    # 60-69
    "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
    "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
    # 70-79
    "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN",
    # 80-89
    "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND",
    "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
    # 90-99
    "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
    "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
    # 100-109
    "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS",
    "WHERE",
    # 110-119
    "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND",
    "HARD_SWISH", "IF", "WHILE",
    # 120-129
    "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY",
    "SEGMENT_SUM", "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE",
    # 130-139
    "BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE",
    "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE",
    # 140-149
    "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
    "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL",
    # 150-159
    "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN",
    "BITCAST",
    # 160-169
    "BITWISE_XOR", "RIGHT_SHIFT", "STABLEHLO_LOGISTIC", "STABLEHLO_ADD", "STABLEHLO_DIVIDE",
    "STABLEHLO_MULTIPLY", "STABLEHLO_MAXIMUM", "STABLEHLO_RESHAPE", "STABLEHLO_CLAMP",
    "STABLEHLO_CONCATENATE",
    # 170-179
    "STABLEHLO_BROADCAST_IN_DIM", "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE",
    "STABLEHLO_CUSTOM_CALL", "STABLEHLO_REDUCE", "STABLEHLO_ABS", "STABLEHLO_AND",
    "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL", "STABLEHLO_FLOOR",
    # 180-189
    "STABLEHLO_LOG", "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR", "STABLEHLO_POWER",
    "STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT", "STABLEHLO_SUBTRACT",
    "STABLEHLO_TANH",
    # 190-199
    "STABLEHLO_SCATTER", "STABLEHLO_COMPARE", "STABLEHLO_CONVERT", "STABLEHLO_DYNAMIC_SLICE",
    "STABLEHLO_DYNAMIC_UPDATE_SLICE", "STABLEHLO_PAD", "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL",
    "STABLEHLO_REDUCE_WINDOW", "STABLEHLO_SORT",
    # 200-207
    "STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE", "DILATE",
    "STABLEHLO_RNG_BIT_GENERATOR", "REDUCE_WINDOW", "STABLEHLO_COMPOSITE", "COMPLEX",
)
_CUSTOM = 32
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127


def builtin_name(code: int) -> str:
    """Schema name of a builtin operator code; codes newer than this table get a generic name."""
    if 0 <= code < len(BUILTIN_OPERATORS):
        return BUILTIN_OPERATORS[code]
    return f"BUILTIN_{code}"


# TensorType values the schema defines beyond those the typed graph (DType) represents.
_OTHER_TENSOR_TYPES = {
    11: "COMPLEX128", 12: "UINT64", 13: "RESOURCE", 14: "VARIANT", 15: "UINT32", 16: "UINT16",
    17: "INT4", 18: "BFLOAT16",
}
_DTYPES = {d.value: d for d in DType}
_INT_RANGES = {
    DType.INT8: (-128, 127), DType.UINT8: (0, 255), DType.INT16: (-32768, 32767),
    DType.INT32: (-2**31, 2**31 - 1), DType.INT64: (-2**63, 2**63 - 1),
}
_MAX_ELEMENTS = 2**62  # beyond this a shape is certainly corrupt (and bounds bigint work)

# ---- field ids (schema declaration order) ----
# Model
_M_VERSION, _M_OPCODES, _M_SUBGRAPHS, _M_DESCRIPTION, _M_BUFFERS = 0, 1, 2, 3, 4
_M_METADATA = 6
# SubGraph
_SG_TENSORS, _SG_INPUTS, _SG_OUTPUTS, _SG_OPERATORS = 0, 1, 2, 3
# Tensor
_T_SHAPE, _T_TYPE, _T_BUFFER, _T_NAME, _T_QUANT, _T_IS_VARIABLE, _T_SPARSITY = 0, 1, 2, 3, 4, 5, 6
_T_SHAPE_SIGNATURE = 7
# QuantizationParameters (details is a union: type id 4, value id 5)
_Q_SCALE, _Q_ZERO_POINT, _Q_DETAILS_TYPE, _Q_DIMENSION = 2, 3, 4, 6
# OperatorCode
_OC_DEPRECATED_CODE, _OC_CUSTOM_CODE, _OC_VERSION, _OC_BUILTIN_CODE = 0, 1, 2, 3
# Operator (builtin_options is a union: type id 3, value id 4)
_OP_OPCODE_INDEX, _OP_INPUTS, _OP_OUTPUTS, _OP_OPTIONS_TYPE = 0, 1, 2, 3
# Buffer
_B_DATA, _B_OFFSET, _B_SIZE = 0, 1, 2
# Metadata
_MD_NAME, _MD_BUFFER = 0, 1


# ---------------------------------------------------------------------------------------------
# public API


def read_model(path: str | Path) -> Graph:
    """Read and validate a .tflite file. Raises ModelFileError / UnsupportedModelError."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise ModelFileError(f"{path}: cannot read model file: {err.strerror or err}") from None
    except ValueError as err:  # e.g. a NUL character in the path
        raise ModelFileError(f"{path!r}: cannot read model file: {err}") from None
    return read_model_bytes(data, str(path))


def read_model_bytes(data: bytes, name: str) -> Graph:
    """Validate a .tflite held in memory; ``name`` (a file name) is used in messages and as the
    graph name (its stem)."""
    return _Reader(data, name).read()


# ---------------------------------------------------------------------------------------------
# the reader


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[:limit - 3] + "..."


def _shape_str(shape) -> str:
    dims = list(shape)
    if len(dims) > 8:
        return "[" + ", ".join(map(str, dims[:8])) + f", ... ({len(dims)} dims)]"
    return "[" + ", ".join(map(str, dims)) + "]"


class _Reader:
    def __init__(self, data: bytes, name: str):
        self.file = name
        self.fb = FlatBuffer(data, name)
        self._buffer_spans: dict[int, tuple[int, int]] = {}

    def error(self, message: str) -> ModelFileError:
        return ModelFileError(f"{self.file}: {message}")

    def unsupported(self, message: str) -> UnsupportedModelError:
        return UnsupportedModelError(f"{self.file}: {message}")

    # ---- top level ----

    def read(self) -> Graph:
        fb = self.fb
        if fb.size == 0:
            raise self.error("file is empty")
        if fb.size < 8:
            raise self.error(f"file is too small to be a TFLite model ({fb.size} bytes)")
        if fb.identifier() != FILE_IDENTIFIER:
            raise self.error(
                f"not a TFLite flatbuffer (file identifier {fb.identifier()!r} at bytes 4-7, "
                f"expected {FILE_IDENTIFIER!r})")
        model = fb.root("model")
        version = model.scalar(_M_VERSION, "I", 0, "version")
        if version != SCHEMA_VERSION:
            raise self.unsupported(
                f"TFLite schema version {version} is not supported (expected {SCHEMA_VERSION})")

        subgraphs = model.tables(_M_SUBGRAPHS, "subgraphs", "subgraph {}") or []
        if not subgraphs:
            raise self.error("model has no subgraphs")
        if len(subgraphs) > 1:
            raise self.unsupported(
                f"control flow / multiple subgraphs not supported (model has {len(subgraphs)} "
                "subgraphs; mcuforge compiles single-subgraph models)")

        self.buffers = model.tables(_M_BUFFERS, "buffers", "buffer {}") or []
        codes = model.tables(_M_OPCODES, "operator_codes", "operator code {}") or []
        opnames = [self._opcode(i, t) for i, t in enumerate(codes)]
        self.versions = [t.scalar(_OC_VERSION, "i", 1, "version") for t in codes]
        description = model.string(_M_DESCRIPTION, "description") or ""
        metadata = self._metadata(model)

        sg = subgraphs[0]
        tensor_tables = sg.tables(_SG_TENSORS, "tensors", "tensor {}") or []
        tensors = tuple(self._tensor(i, t) for i, t in enumerate(tensor_tables))
        n = len(tensors)
        operators = tuple(self._operator(i, t, opnames, n) for i, t in
                          enumerate(sg.tables(_SG_OPERATORS, "operators", "operator {}") or []))
        inputs = self._indices(sg, _SG_INPUTS, "inputs", "input", n)
        outputs = self._indices(sg, _SG_OUTPUTS, "outputs", "output", n)

        return Graph(
            name=Path(self.file).stem,
            sha256=hashlib.sha256(fb.data).hexdigest(),
            tensors=tensors,
            operators=operators,
            inputs=inputs,
            outputs=outputs,
            description=description,
            metadata=metadata,
        )

    # ---- pieces ----

    def _opcode(self, i: int, t: Table) -> str:
        deprecated = t.scalar(_OC_DEPRECATED_CODE, "b", 0, "deprecated_builtin_code")
        builtin = t.scalar(_OC_BUILTIN_CODE, "i", 0, "builtin_code")
        # Old files set only the int8 deprecated code; newer ones set both (the deprecated one
        # saturated at PLACEHOLDER_FOR_GREATER_OP_CODES for codes >= 127): the larger one wins.
        code = max(deprecated, builtin)
        if builtin < 0:
            raise self.error(f"operator code {i} has an invalid builtin code {builtin}")
        if code == _PLACEHOLDER_FOR_GREATER_OP_CODES:
            raise self.error(
                f"operator code {i} is PLACEHOLDER_FOR_GREATER_OP_CODES without an extended "
                "builtin code")
        if code == _CUSTOM:
            custom = t.string(_OC_CUSTOM_CODE, "custom_code")
            if not custom:
                raise self.error(f"operator code {i} is a custom op without a custom_code name")
            return f"CUSTOM:{custom}"
        return builtin_name(code)

    def _indices(self, t: Table, field_id: int, field: str, what: str, n: int,
                 optional: bool = False) -> tuple[int, ...]:
        vec = t.vector(field_id, "<i4", field)
        if vec is None:
            return ()
        low = -1 if optional else 0
        bad = (vec < low) | (vec >= n)
        if bad.any():
            k = int(np.argmax(bad))
            raise self.error(
                f"{t.what}: {what} {k} is tensor {int(vec[k])}, but the subgraph has {n} tensors")
        return tuple(vec.tolist())

    def _buffer_span(self, index: int, owner: str) -> tuple[int, int]:
        """(start, length) of buffer ``index``'s bytes in the file, checked."""
        span = self._buffer_spans.get(index)
        if span is not None:
            return span
        if index >= len(self.buffers):
            raise self.error(
                f"{owner} refers to buffer {index}, but the model has {len(self.buffers)} buffers")
        b = self.buffers[index]
        offset = b.scalar(_B_OFFSET, "Q", 0, "offset")
        if offset > 1:
            # data stored after the flatbuffer (models > 2 GB); offsets are from the file start
            size = b.scalar(_B_SIZE, "Q", 0, "size")
            self.fb.check_range(offset, size, f"buffer {index}'s external data (offset {offset})")
            span = (offset, size)
        else:
            span = b.byte_span(_B_DATA, "data") or (0, 0)
        self._buffer_spans[index] = span
        return span

    def _tensor(self, i: int, t: Table) -> Tensor:
        name = t.string(_T_NAME, "name") or ""
        where = f"tensor {i} '{_short(name)}'" if name else f"tensor {i}"

        code = t.scalar(_T_TYPE, "b", 0, "type")
        dtype = _DTYPES.get(code)
        if dtype is None:
            if code in _OTHER_TENSOR_TYPES:
                raise self.unsupported(
                    f"{where} has type {_OTHER_TENSOR_TYPES[code]}, which mcuforge does not "
                    "support")
            raise self.error(f"{where} has an unknown tensor type {code}")

        vec = t.vector(_T_SHAPE, "<i4", "shape")
        shape = () if vec is None else tuple(vec.tolist())
        count = 1
        for d in shape:
            if d < 0:
                raise self.error(
                    f"{where} has a negative dimension in its shape {_shape_str(shape)}")
            count *= d
            if count > _MAX_ELEMENTS:
                raise self.error(f"{where} has an impossibly large shape {_shape_str(shape)}")

        if t.table(_T_SPARSITY, "sparsity") is not None:
            raise self.unsupported(f"{where} is a sparse tensor, which mcuforge does not support")

        quant = self._quant(t, where, dtype, shape)

        data = None
        buffer = t.scalar(_T_BUFFER, "I", 0, "buffer")
        if buffer != 0:
            start, length = self._buffer_span(buffer, where)
            if length:
                if dtype is DType.STRING:
                    raise self.unsupported(f"{where} is a constant string tensor")
                expected = count * dtype.itemsize
                if length != expected:
                    raise self.error(
                        f"{where}: buffer {buffer} holds {length} bytes, but shape "
                        f"{_shape_str(shape)} of {dtype.name} needs {expected} bytes")
                data = np.frombuffer(self.fb.data, dtype=dtype.numpy.newbyteorder("<"),
                                     count=count, offset=start).reshape(shape)
        is_variable = bool(t.scalar(_T_IS_VARIABLE, "?", False, "is_variable"))
        # shape_signature: -1 marks a dimension the converter left dynamic (a Keras batch); the
        # shape field then holds a placeholder there (compile.fold_shapes)
        sig = t.vector(_T_SHAPE_SIGNATURE, "<i4", "shape_signature")
        dynamic = (sig is not None and len(sig) == len(shape)
                   and any(d == -1 for d in sig.tolist()))
        return Tensor(index=i, name=name, dtype=dtype, shape=shape, quant=quant, data=data,
                      is_variable=is_variable,
                      shape_signature=tuple(sig.tolist()) if dynamic and sig is not None else None)

    def _quant(self, t: Table, where: str, dtype: DType, shape: tuple[int, ...]) -> Quant | None:
        q = t.table(_T_QUANT, "quantization", f"{t.what}'s quantization")
        if q is None:
            return None
        details_type = q.scalar(_Q_DETAILS_TYPE, "B", 0, "details_type")
        if details_type != 0:
            raise self.unsupported(
                f"{where} uses non-affine quantization details (type {details_type}), which "
                "mcuforge does not support")
        scale = q.vector(_Q_SCALE, "<f4", "scale")
        zero_point = q.vector(_Q_ZERO_POINT, "<i8", "zero_point")
        # As TFLite-Micro (InitializeTfLiteTensorFromFlatbuffer): a tensor is quantized only if
        # it has both scales and zero points (float tensors often carry only min/max).
        if scale is None or zero_point is None or len(scale) == 0 or len(zero_point) == 0:
            return None
        count = len(scale)
        if len(zero_point) != count:
            # TFLite-Micro: "zero point arrays for weights can be reduced to a single value";
            # with any other count too, zero_point[0] serves every channel.
            zero_point = np.full(count, zero_point[0], dtype=np.int64)
        bad = ~(np.isfinite(scale) & (scale > 0))
        if bad.any():
            k = int(np.argmax(bad))
            raise self.error(
                f"{where}: quantization scale[{k}] is {float(scale[k])!r}, must be finite and > 0")
        bounds = _INT_RANGES.get(dtype)
        if bounds is not None:
            lo, hi = bounds
            bad = (zero_point < lo) | (zero_point > hi)
            if bad.any():
                k = int(np.argmax(bad))
                raise self.error(
                    f"{where}: quantization zero_point[{k}] is {int(zero_point[k])}, outside the "
                    f"{dtype.name} range [{lo}, {hi}]")
        axis = q.scalar(_Q_DIMENSION, "i", 0, "quantized_dimension")
        # quantized_dimension is kept as written, unchecked: TFLite-Micro checks it (and the
        # scale count against that dimension) only where an op uses per-channel scales, i.e. for
        # the filters of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, and so does the compile
        # stage. A bias often carries its filter's (e.g. 3 on a [C] bias), which TFLM ignores.
        if count == 1 and not 0 <= axis < max(len(shape), 1):
            axis = 0  # meaningless for per-tensor parameters
        return Quant(scale=tuple(scale.tolist()), zero_point=tuple(zero_point.tolist()), axis=axis)

    def _operator(self, i: int, t: Table, opnames: list[str], n: int) -> Operator:
        index = t.scalar(_OP_OPCODE_INDEX, "I", 0, "opcode_index")
        if index >= len(opnames):
            raise self.error(
                f"operator {i} has opcode index {index}, but the model has {len(opnames)} "
                "operator codes")
        opname = opnames[index]
        where = f"operator {i} ({opname})"
        t.what = where
        inputs = self._indices(t, _OP_INPUTS, "inputs", "input", n, optional=True)
        outputs = self._indices(t, _OP_OUTPUTS, "outputs", "output", n)

        # any option dataclass of tflite.options (OpOptions lists the first ones only)
        options: Any = None
        spec = OPTIONS.get(opname) or FALLBACK_PARSERS.get(opname)
        if spec is not None:
            tag, table_name, parse, required = spec
            table: Any
            got, table = t.union(_OP_OPTIONS_TYPE, "builtin_options",
                                 f"{where}'s builtin options")
            if got not in (0, tag):
                raise self.error(
                    f"{where} has builtin options of union type {got}, expected {table_name} "
                    f"({tag})")
            if table is None:
                if required:
                    raise self.error(f"{where} has no {table_name}")
                table = NoOptions()
            options = parse(table, where, self.file)
        return Operator(index=i, opcode=opname, inputs=inputs, outputs=outputs, options=options,
                        version=self.versions[index])

    def _metadata(self, model: Table) -> dict[str, str]:
        """Model metadata entries whose buffer holds text (NUL padding stripped); binary entries
        are listed as "<binary, N bytes>"."""
        result: dict[str, str] = {}
        for i, m in enumerate(model.tables(_M_METADATA, "metadata", "metadata {}") or []):
            key = m.string(_MD_NAME, "name") or f"metadata_{i}"
            start, length = self._buffer_span(m.scalar(_MD_BUFFER, "I", 0, "buffer"), m.what)
            raw = self.fb.data[start:start + length].rstrip(b"\0")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is None or not text.isprintable():
                text = f"<binary, {length} bytes>"
            result[key] = text
        return result
