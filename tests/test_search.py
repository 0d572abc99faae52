"""`mcuforge search` without Ray running: the search section of a recipe, the candidates it makes,
the Pareto front, and the bad inputs that must fail in one line before any training."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from mcuforge.cli import main
from mcuforge.errors import RecipeError
from mcuforge.search.pareto import dominates, front, winner
from mcuforge.search.space import candidates, choices_of, combinations, draw, load_search

REPO = Path(__file__).resolve().parents[1]
DIGITS = (REPO / "models" / "digits_cnn.yaml").read_text()


def _recipe(tmp_path: Path, search: object, name: str = "s") -> Path:
    data = yaml.safe_load(DIGITS)
    data["name"] = name
    if search is None:
        data.pop("search")
    else:
        data["search"] = search
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_shipped_recipes_have_valid_search_spaces():
    for name in ("digits_cnn", "kws_dscnn"):
        recipe, spec, data = load_search(REPO / "models" / f"{name}.yaml")
        cands = candidates(recipe, spec, data)
        assert len(cands) == min(spec.candidates, combinations(spec))
        assert len({c.index for c in cands}) == len(cands)
        for c in cands:       # every candidate is an ordinary recipe with the search's epochs
            assert c.recipe.search is None and c.recipe.training.epochs == spec.epochs
            for key, value in c.choices.items():
                section, field = key.split(".")
                assert getattr(getattr(c.recipe, section), field) == value


def test_combinations_are_numbered_and_drawn_reproducibly(tmp_path):
    path = _recipe(tmp_path, {"space": {"model.width": [4, 8, 16], "features.size": [12, 16]},
                              "candidates": 4, "seed": 3})
    recipe, spec, data = load_search(path)
    assert combinations(spec) == 6
    # mixed radix, the last key fastest
    assert [choices_of(spec, n) for n in (0, 1, 2, 5)] == [
        {"model.width": 4, "features.size": 12}, {"model.width": 4, "features.size": 16},
        {"model.width": 8, "features.size": 12}, {"model.width": 16, "features.size": 16}]
    picked = draw(spec, 4)
    assert picked == draw(spec, 4) and picked == sorted(picked) and len(set(picked)) == 4
    assert draw(spec, 10) == list(range(6))
    cand = candidates(recipe, spec, data)[0]
    # the candidate's recipe file loads as it is, with the choices in it
    again = tmp_path / "again.yaml"
    again.write_text(cand.text)
    from mcuforge.recipe import load_recipe

    loaded = load_recipe(again)
    assert loaded.name == cand.name and loaded.model == cand.recipe.model
    assert loaded.features == cand.recipe.features and loaded.search is None


@pytest.mark.parametrize("search, message", [
    ({"space": {}}, "search.space: empty"),
    ({"epochs": 2}, "search.space: empty"),
    ({"space": {"model.width": []}}, "search.space.model.width: expected a non-empty list"),
    ({"space": {"model.widht": [4]}}, "unknown key 'model.widht' (did you mean 'width'?)"),
    ({"space": {"dataset.seed": [1, 2]}}, "search.space.dataset.seed: not a searchable key"),
    ({"space": {"training.epochs": [1, 2]}}, "set by search.epochs"),
    ({"space": {"model.width": [4, 4]}}, "a choice appears twice"),
    ({"space": {"model.width": [4]}, "epochs": 0}, "search.epochs: must be positive"),
    ({"space": {"model.width": [4]}, "trials": 3}, "unknown key 'search.trials'"),
])
def test_bad_search_sections_are_recipe_errors(tmp_path, search, message):
    with pytest.raises(RecipeError, match=None) as err:
        load_search(_recipe(tmp_path, search))
    assert message in str(err.value)


def test_contradictory_space_names_the_combination(tmp_path):
    path = _recipe(tmp_path, {"space": {"model.blocks": [1, 5], "features.size": [16]}})
    recipe, spec, data = load_search(path)
    with pytest.raises(RecipeError) as err:
        candidates(recipe, spec, data)
    assert "search.space is contradictory: the combination model.blocks=5, features.size=16" in str(err.value)
    assert "too small for model.blocks 5" in str(err.value)


def test_pareto_front_and_winner():
    rows = [
        {"index": 0, "int8_accuracy": 0.9, "latency_ms": 10.0, "ram_bytes": 4000, "fits": True},
        {"index": 1, "int8_accuracy": 0.8, "latency_ms": 5.0, "ram_bytes": 3000, "fits": True},
        {"index": 2, "int8_accuracy": 0.8, "latency_ms": 6.0, "ram_bytes": 3000, "fits": True},
        {"index": 3, "int8_accuracy": 0.95, "latency_ms": 20.0, "ram_bytes": 9000, "fits": False},
    ]
    assert dominates(rows[1], rows[2]) and not dominates(rows[0], rows[1])
    assert [r["index"] for r in front(rows)] == [3, 0, 1]
    assert winner(rows, None)["index"] == 0          # 3 is more accurate but does not fit
    assert winner(rows, 8.0)["index"] == 1
    assert winner(rows, 1.0) is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _error(capsys, argv: list[str]) -> str:
    assert main(argv) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_bad_inputs_fail_in_one_line_before_training(tmp_path, capsys):
    out = tmp_path / "out"
    base = ["search", "--board", "nucleo_l031k6", "--out", str(out)]
    msg = _error(capsys, [*base[:3], str(_recipe(tmp_path, None, "plain")), *base[3:]])
    assert "has no search section" in msg
    msg = _error(capsys, ["search", str(_recipe(tmp_path, {"space": {}}, "empty")), *base[1:]])
    assert "search.space: empty" in msg
    msg = _error(capsys, ["search", str(_recipe(tmp_path, {"space": {"model.blocks": [1, 5]}}, "c")),
                          *base[1:]])
    assert "search.space is contradictory" in msg
    good = str(_recipe(tmp_path, {"space": {"model.width": [4, 8]}}, "good"))
    port = _free_port()
    msg = _error(capsys, ["search", good, *base[1:], "--address", f"127.0.0.1:{port}"])
    assert f"--address 127.0.0.1:{port}: no Ray cluster answers there" in msg
    msg = _error(capsys, ["search", good, *base[1:], "--address", "nowhere"])
    assert "expected HOST:PORT" in msg
    msg = _error(capsys, ["search", good, "--board", "nucleo_l031", "--out", str(out)])
    assert "nucleo_l031" in msg
    assert not out.exists()     # nothing was written, nothing trained


@pytest.mark.train
def test_a_board_nothing_fits_is_one_line_before_training(tmp_path, capsys):
    pytest.importorskip("ray")
    path = _recipe(tmp_path, {"space": {"model.width": [32, 48]}}, "big")
    out = tmp_path / "out"
    msg = _error(capsys, ["search", str(path), "--board", "nucleo_l031k6", "--out", str(out)])
    assert "nucleo_l031k6: none of the 2 candidates" in msg and "8,192 B RAM" in msg
    assert not (out / "trials").exists() and not (out / "ray").exists()
