"""Image classification through the whole chain on tiny generated image sets:
recipe -> data -> train (augmented) -> int8 -> C -> host, bit-exact with TFLite-Micro.

One epoch on a few dozen images: these check the pipeline and the architectures' int8 graphs,
not accuracy (the digits default's accuracy is measured by `mcuforge run models/digits_cnn.yaml`).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import REPO, require_module, require_tool, shared_model
from mcuforge.cli import main

TINY_CNN = """\
name: tiny_cnn
task: image_classification
dataset:
  kind: synthetic_images
  images_per_class: 10
  seed: 1
features:
  kind: image
  size: 12
  channels: 3
model:
  architecture: cnn
  width: 4
  blocks: 2
training:
  epochs: 1
  batch_size: 16
augmentation:
  horizontal_flip: true
  vertical_flip: true
  shift: 0.2
  crop_padding: 2
quantization:
  representative_samples: 40
"""


def _run(tmp_path, text, name, capsys):
    recipe = tmp_path / f"{name}.yaml"
    recipe.write_text(text)
    run = tmp_path / "run"
    code = main(["run", str(recipe), "--out", str(run), "--json", "--quiet"])
    captured = capsys.readouterr()
    return code, captured, run


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.host
def test_run_tiny_image_recipe_end_to_end(tmp_path, capsys, host_cc):
    require_module("tensorflow")
    code, captured, run = _run(tmp_path, TINY_CNN, "tiny_cnn", capsys)
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    for name in ("recipe.yaml", "features.npz", "model.keras", "model.tflite", "test_vectors.npz",
                 "train_metrics.json", "quantize_metrics.json", "c/tiny_cnn.c", "c/model_info.json"):
        assert (run / name).is_file(), name

    with np.load(run / "features.npz") as f:
        pixels = f["x_test"]
        assert pixels.dtype == np.uint8 and pixels.shape[1:] == (12, 12, 3)
        assert float(f["scale"]) == pytest.approx(1 / 255)
    with np.load(run / "test_vectors.npz") as f:
        inputs, labels = f["inputs"], f["labels"]
    n_test = len(labels)
    assert n_test == 6 and inputs.dtype == np.int8 and inputs.shape == (n_test, 12, 12, 3)
    assert summary["vectors"] == n_test and summary["bit_exact"] == n_test
    assert summary["examples"] == {"train": 48, "validation": 6, "test": 6}

    # the pixel convention: [0, 1] floats; a set with black and white pixels calibrates the input
    # to scale 1/255, zero point -128, so the int8 input is exactly pixel - 128
    metrics = json.loads((run / "quantize_metrics.json").read_text())
    assert metrics["input_zero_point"] == -128
    assert metrics["input_scale"] == pytest.approx(1 / 255, rel=1e-6)
    assert (inputs.astype(np.int16) == pixels.astype(np.int16) - 128).all()
    assert len(metrics["confusion_int8"]) == 6 and sum(map(sum, metrics["confusion_int8"])) == n_test

    info = json.loads((run / "c" / "model_info.json").read_text())
    assert {layer["opcode"] for layer in info["layers"]} == {
        "CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"}
    train_metrics = json.loads((run / "train_metrics.json").read_text())
    assert train_metrics["task"] == "image_classification"
    assert train_metrics["input_shape"] == [12, 12, 3] and train_metrics["epochs_run"] == 1


def _tiny(arch: str, size: int, per_class: int, augmentation: str) -> str:
    return (f"name: tiny_{arch}\ntask: image_classification\n"
            f"dataset: {{kind: synthetic_images, images_per_class: {per_class}, seed: 2}}\n"
            f"features: {{kind: image, size: {size}, channels: 3}}\n"
            f"model: {{architecture: {arch}}}\n"
            "training: {epochs: 1, batch_size: 16}\n"
            f"augmentation: {augmentation}\n"
            "quantization: {representative_samples: 24}\n")


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.host
@pytest.mark.cross
@pytest.mark.qemu
@pytest.mark.parametrize("arch, size, per_class, augmentation, ops", [
    # MLPerf Tiny image classification: 32x32x3, 12.5 M MACs
    ("resnet8", 32, 6, "{horizontal_flip: true, crop_padding: 4}", {"ADD"}),
    # MLPerf Tiny visual wake words: width 0.25 at 96x96x3, 7.5 M MACs
    ("mobilenet_v1", 96, 4, "{horizontal_flip: true, shift: 0.1}", {"DEPTHWISE_CONV_2D"}),
], ids=["resnet8", "mobilenet_v1"])
def test_mlperf_tiny_vision_models_one_epoch(tmp_path, capsys, host_cc, arch, size, per_class,
                                             augmentation, ops):
    require_module("tensorflow")
    code, captured, run = _run(tmp_path, _tiny(arch, size, per_class, augmentation), f"tiny_{arch}",
                               capsys)
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["bit_exact"] == summary["vectors"] > 0
    info = json.loads((run / "c" / "model_info.json").read_text())
    opcodes = {layer["opcode"] for layer in info["layers"]}
    # BN folded, ReLU/ReLU6 fused, SAME padding done by the kernels (no PAD op), the flatten of
    # a 1x1 map dropped by the converter
    assert opcodes == {"CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"} | ops

    # the same generated C as firmware on an M4F and an M55 under QEMU, 50 random inputs each
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    for board in ("mps2_an386", "mps3_an547"):
        code = main(["emulate", str(run / "c"), "--board", board, "--random", "50", "--json", "--quiet"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        on_board = json.loads(captured.out.strip().splitlines()[-1])
        assert on_board["vectors"] == on_board["bit_exact"] == 50
        assert on_board["flash_bytes"] <= on_board["flash_capacity"]
        assert on_board["ram_bytes"] <= on_board["ram_capacity"]
        print(f"{arch} on {board}: {on_board['instructions']:,} instructions "
              f"({on_board['instructions_per_mac']:.2f}/MAC), flash {on_board['flash_bytes']:,} B, "
              f"RAM {on_board['ram_bytes']:,} B")


@pytest.mark.cross
@pytest.mark.qemu
def test_resnet_reference_model_on_qemu(tmp_path, capsys):
    """MLPerf Tiny image classification reference model: 200 random inputs under QEMU, bit-exact."""
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    model = shared_model("pretrainedResnet_quant.tflite")
    assert main(["compile", str(model), "--out", str(tmp_path / "c"), "--json", "--quiet"]) == 0
    compiled = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert compiled["arena_bytes"] <= compiled["tflm_arena_bytes"]
    code = main(["emulate", str(tmp_path / "c"), "--board", "mps2_an386", "--random", "200",
                 "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["vectors"] == result["bit_exact"] == 200


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.cross
@pytest.mark.qemu
def test_digits_default_end_to_end_on_mps2_an386(tmp_path, capsys):
    """The offline vision default as shipped: >= 95 % int8 accuracy, whole test split bit-exact
    under QEMU on the Cortex-M4F board."""
    require_module("tensorflow")
    require_module("sklearn")
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    code = main(["run", str(REPO / "models" / "digits_cnn.yaml"), "--out", str(tmp_path / "run"),
                 "--board", "mps2_an386", "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    board = summary["board_run"]
    assert summary["bit_exact"] == summary["vectors"] == board["bit_exact"] == board["vectors"] > 300
    assert board["accuracy"] >= 0.95 and board["accuracy"] == summary["accuracy"]
