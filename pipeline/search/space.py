"""The search space of a recipe (its ``search:`` section) as candidates: each one an ordinary
recipe (the base recipe with one choice per ``search.space`` key, ``training.epochs`` set to
``search.epochs``, the search section removed), checked by the recipe loader like any file.

The combinations are numbered in mixed radix over the keys in file order (the first key varies
slowest). With more combinations than ``search.candidates``, that many are drawn without
replacement with ``search.seed`` and kept in their numbering order, so one recipe and seed always
give the same candidates.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import RecipeError
from ..recipe import Recipe, SearchSpec, load_recipe, recipe_from_data


@dataclass(frozen=True)
class Candidate:
    index: int                      # the combination's number in the whole space
    name: str                       # <recipe name>_<index>: its recipe's name and run folder
    choices: dict[str, Any]         # search.space key -> the value chosen
    text: str                       # its recipe file
    recipe: Recipe

    def label(self) -> str:
        return ", ".join(f"{k.split('.', 1)[1]}={v}" for k, v in self.choices.items())


def load_search(recipe_path: str | Path) -> tuple[Recipe, SearchSpec, dict]:
    """The recipe, its search section (a RecipeError when there is none) and its YAML data."""
    recipe = load_recipe(recipe_path)
    if recipe.search is None:
        raise RecipeError(f"{recipe_path}: has no search section; add search.space with the keys "
                          f"to vary (see models/digits_cnn.yaml)")
    data = yaml.safe_load(Path(recipe_path).read_text(encoding="utf-8"))
    return recipe, recipe.search, data


def combinations(spec: SearchSpec) -> int:
    return math.prod(len(choices) for choices in spec.space.values())


def draw(spec: SearchSpec, count: int) -> list[int]:
    """The numbers of the combinations searched: all when there are at most ``count``."""
    total = combinations(spec)
    if total <= count:
        return list(range(total))
    rng = np.random.default_rng(spec.seed)
    return sorted(int(i) for i in rng.choice(total, size=count, replace=False))


def choices_of(spec: SearchSpec, number: int) -> dict[str, Any]:
    """Combination ``number`` (mixed radix, the last key varying fastest)."""
    picked: dict[str, Any] = {}
    for key, options in reversed(list(spec.space.items())):
        number, digit = divmod(number, len(options))
        picked[key] = options[digit]
    return dict(reversed(list(picked.items())))


def candidate(recipe: Recipe, spec: SearchSpec, data: dict, number: int) -> Candidate:
    """Candidate ``number`` as a recipe; a combination that is not a valid recipe is a
    RecipeError saying which choices contradict each other and why."""
    picked = choices_of(spec, number)
    name = f"{recipe.name}_{number}"
    cand = copy.deepcopy({k: v for k, v in data.items() if k != "search"})
    cand["name"] = name
    for key, value in picked.items():
        section, _, field = key.partition(".")
        if not isinstance(cand.get(section), dict):
            cand[section] = {}
        cand[section][field] = value
    cand.setdefault("training", {})["epochs"] = spec.epochs
    try:
        parsed = recipe_from_data(cand, recipe.path)
    except RecipeError as exc:
        problem = str(exc).removeprefix(f"{recipe.path}: ")
        shown = ", ".join(f"{k}={v}" for k, v in picked.items())
        raise RecipeError(f"{recipe.path}: search.space is contradictory: the combination {shown} "
                          f"is not a valid recipe: {problem}") from None
    header = (f"# Written by `mcuforge search` from {recipe.path.name}: candidate {number} "
              f"({', '.join(f'{k}={v}' for k, v in picked.items())}).\n"
              f"# An ordinary recipe: `mcuforge run` on it trains this candidate again, the same way.\n")
    text = header + yaml.safe_dump(cand, sort_keys=False)
    return Candidate(number, name, picked, text, parsed)


def candidates(recipe: Recipe, spec: SearchSpec, data: dict, count: int | None = None) -> list[Candidate]:
    """The candidates searched (``count`` overrides ``search.candidates``), every one checked."""
    return [candidate(recipe, spec, data, n) for n in draw(spec, count or spec.candidates)]
