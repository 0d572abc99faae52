"""Whole vision models through `mcuforge compile` and `mcuforge emulate --host`: every op the
int8 converter emits must be supported, and the generated C must equal TFLite-Micro on every
output of every random input, with an arena no larger than TFLite-Micro's.

- The MLPerf Tiny image-classification reference (../shared/models/pretrainedResnet_quant.tflite:
  CONV_2D, ADD, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX), 200 random inputs.
- Keras models built and converted here with random weights (tests/keras_vision_models.py):
  MobileNetV1-0.25 at 96x96 (visual wake words), ResNet-8 (image classification) and a small
  digits CNN, 50 random inputs each. Converting needs TensorFlow: marked `train` and `slow`.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conftest import require_module, shared_model
from mcuforge.cli import main
from mcuforge.tflite.reader import read_model


def _compile_and_emulate(model_path, out_dir, capsys, vectors: int) -> tuple[dict, dict]:
    assert main(["compile", str(model_path), "--out", str(out_dir), "--json", "--quiet"]) == 0
    compiled = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    code = main(["emulate", str(out_dir), "--host", "--random", str(vectors), "--json", "--quiet"])
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert code == 0, captured.err
    return compiled, result


def _check(name: str, compiled: dict, result: dict, vectors: int, ops: Counter | None = None) -> None:
    assert result["vectors"] == vectors
    assert result["bit_exact"] == vectors, f"{name}: {result['bit_exact']}/{vectors} bit-exact"
    assert compiled["arena_bytes"] <= compiled["tflm_arena_bytes"], (
        f"{name}: arena {compiled['arena_bytes']} B > TFLite-Micro's "
        f"{compiled['tflm_arena_bytes']} B")
    print(f"{name}: {vectors}/{vectors} bit-exact; arena {compiled['arena_bytes']} B vs "
          f"TFLite-Micro {compiled['tflm_arena_bytes']} B; LiteRT agreement "
          f"{result['litert_exact']}/{vectors} (max diff {result['litert_max_abs_diff']})"
          + (f"; ops {dict(ops)}" if ops else ""))


@pytest.mark.host
def test_mlperf_tiny_resnet_reference_bit_exact_200_random(tmp_path, capsys, host_cc):
    model = shared_model("pretrainedResnet_quant.tflite")
    compiled, result = _compile_and_emulate(model, tmp_path / "c", capsys, 200)
    _check(model.name, compiled, result, 200)


# (test id, builder in keras_vision_models, builder options, ops the model must contain)
KERAS_MODELS = [
    ("digits_cnn", "digits_cnn", {}, {"CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED",
                                      "SOFTMAX"}),
    ("resnet8", "resnet8", {}, {"CONV_2D", "ADD", "AVERAGE_POOL_2D", "FULLY_CONNECTED",
                                "SOFTMAX"}),
    # symmetric ZeroPadding2D before the stride-2 depthwise layers: PAD ops; GlobalAverage-
    # Pooling2D without keepdims: MEAN straight into FULLY_CONNECTED
    ("mobilenet_v1_pad", "mobilenet_v1", {"stride2_padding": "symmetric"},
     {"CONV_2D", "DEPTHWISE_CONV_2D", "PAD", "MEAN", "FULLY_CONNECTED", "SOFTMAX"}),
    # keras.applications-style ((0, 1), (0, 1)) padding: folded into SAME depthwise convolutions
    ("mobilenet_v1_keras_keepdims", "mobilenet_v1",
     {"stride2_padding": "keras", "keepdims": True},
     {"CONV_2D", "DEPTHWISE_CONV_2D", "MEAN", "FULLY_CONNECTED", "SOFTMAX"}),
]


@pytest.mark.host
@pytest.mark.train
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Statistics for quantized inputs:UserWarning")
@pytest.mark.parametrize("case_id,builder,options,expected_ops", KERAS_MODELS,
                         ids=[m[0] for m in KERAS_MODELS])
def test_keras_vision_model_bit_exact_50_random(case_id, builder, options, expected_ops,
                                                tmp_path, capsys, host_cc):
    require_module("tensorflow")
    import keras_vision_models

    model = tmp_path / f"{case_id}.tflite"
    model.write_bytes(keras_vision_models.convert(builder, seed=1, **options))
    ops = Counter(op.opcode for op in read_model(model).operators)
    assert expected_ops <= set(ops), f"{case_id}: expected {sorted(expected_ops)}, got {dict(ops)}"

    compiled, result = _compile_and_emulate(model, tmp_path / "c", capsys, 50)
    _check(case_id, compiled, result, 50, ops)
