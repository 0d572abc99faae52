"""Bad input: one line naming the problem, a non-zero exit, no half-written outputs."""

from __future__ import annotations

import shutil

import pytest

from conftest import REPO, require_module, shared_model
from mcuforge.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code != 0
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_compile_missing_file(tmp_path, capsys):
    code, _, err = run_cli(capsys, "compile", str(tmp_path / "none.tflite"), "--out", str(tmp_path / "c"))
    assert_one_line_error(code, err, "none.tflite")
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("content, fragment", [
    (b"", "file is empty"),
    (b"hello, this is text and not a model\n" * 10, "not a TFLite flatbuffer"),
])
def test_compile_not_a_model(tmp_path, capsys, content, fragment):
    bad = tmp_path / "none.tflite"
    bad.write_bytes(content)
    code, _, err = run_cli(capsys, "compile", str(bad), "--out", str(tmp_path / "c"))
    assert_one_line_error(code, err, "none.tflite", fragment)
    assert not (tmp_path / "c").exists()


def test_compile_truncated_model(tmp_path, capsys):
    data = shared_model("kws_ref_model.tflite").read_bytes()
    bad = tmp_path / "cut.tflite"
    bad.write_bytes(data[: len(data) // 2])
    code, _, err = run_cli(capsys, "compile", str(bad), "--out", str(tmp_path / "c"))
    assert_one_line_error(code, err, "cut.tflite")
    assert not (tmp_path / "c").exists()


def test_compile_failure_keeps_previous_output(tmp_path, capsys):
    """A failing compile into an existing folder leaves the old folder as it was."""
    out = tmp_path / "c"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"TFL3" * 4)
    code, _, err = run_cli(capsys, "compile", str(bad), "--out", str(out))
    assert code != 0
    assert (out / "keep.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_emulate_not_generated_folder(tmp_path, capsys):
    code, _, err = run_cli(capsys, "emulate", str(tmp_path), "--host")
    assert_one_line_error(code, err, str(tmp_path), "model_info.json")


def test_train_unknown_recipe_key(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("model:\n  architecture: ds_cnn\n  widht: 8\n")
    code, _, err = run_cli(capsys, "train", str(recipe), "--out", str(tmp_path / "run"))
    assert_one_line_error(code, err, "r.yaml", "model.widht", "width")
    assert not (tmp_path / "run").exists()


def test_train_unknown_architecture(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("model:\n  architecture: transformer\n")
    code, _, err = run_cli(capsys, "train", str(recipe), "--out", str(tmp_path / "run"))
    assert_one_line_error(code, err, "r.yaml", "transformer")


@pytest.mark.train
@pytest.mark.parametrize("make", ["missing", "empty"])
def test_train_missing_or_empty_dataset(tmp_path, capsys, make):
    require_module("tensorflow")
    data = tmp_path / "speech"
    if make == "empty":
        data.mkdir()
    recipe = tmp_path / "r.yaml"
    shutil.copyfile(REPO / "models" / "kws_dscnn.yaml", recipe)
    code, _, err = run_cli(capsys, "train", str(recipe), "--data", str(data), "--out", str(tmp_path / "run"))
    assert_one_line_error(code, err, str(data))
    assert not (tmp_path / "run").exists()


def test_quantize_without_training(tmp_path, capsys):
    code, _, err = run_cli(capsys, "quantize", str(tmp_path / "run"))
    assert_one_line_error(code, err, "recipe.yaml", "mcuforge train")


def _one_op_model(opcode: str, dtype: str) -> bytes:
    from mcuforge.tflite.graph import SoftmaxOptions
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    quant = {"scale": 0.1, "zero_point": 0} if dtype == "int8" else {}
    x = b.add_tensor((1, 8), dtype, name="x", **quant)
    y = b.add_tensor((1, 8), dtype, name="y", **quant)
    b.inputs.append(x)
    b.outputs.append(y)
    b.add_operator(opcode, [x], [y], SoftmaxOptions(1.0) if opcode == "SOFTMAX" else None)
    return b.build()


@pytest.mark.parametrize("opcode, dtype, fragments", [
    ("SOFTMAX", "float32", ["input tensor 'x' is float32", "int8"]),
    ("LOG_SOFTMAX", "int8", ["unsupported op LOG_SOFTMAX v1 (op 0)", "supported: "]),
])
def test_compile_rejects_float_and_unsupported_ops(tmp_path, capsys, opcode, dtype, fragments):
    model = tmp_path / "m.tflite"
    model.write_bytes(_one_op_model(opcode, dtype))
    code, _, err = run_cli(capsys, "compile", str(model), "--out", str(tmp_path / "c"))
    assert_one_line_error(code, err, "m.tflite", *fragments)
    assert not (tmp_path / "c").exists()
