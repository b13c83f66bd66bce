"""Decision problems: the catalogue of ``parallax problems``, instances, reference answers and reductions.

An instance is the dict of its documented JSON form (docs/problems.md);
``generate`` adds its reference ``answer``; ``construct`` reduces it to a
model and tokens that ``parallax.scan`` runs.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from . import _core
from ._core import Model


class Encoding(NamedTuple):
    """An instance reduced for a construction: ``parallax.scan(model, tokens)``
    accepts exactly when the answer is yes, for inputs of at most
    ``exact_max_length`` tokens when that is not 0 (a model of fixed depth
    that decides only short inputs, such as the transformer constructions of
    NC1-complete problems)."""

    model: Model
    tokens: list
    exact_max_length: int
    description: str


def list() -> list[dict]:  # noqa: A001 - the module's vocabulary
    """Every catalogued problem: name, family, class, claim, instance_format, constructions."""
    return _core.problem_catalog()


def info(name: str) -> dict:
    """One problem by name (e.g. ``word:S5``, ``modcount:3``); ValueError lists the valid names."""
    return _core.problem_info(name)


def constructions(name: str) -> list[dict]:
    """The constructions of a problem: name, architecture, description."""
    return _core.problem_info(name)["constructions"]


def generate(name: str, n: int, seed: int = 1, answer: Optional[bool] = None) -> dict:
    """An instance of size ``n``, deterministic in ``seed``, with its reference ``answer``.

    ``answer`` asks for a yes (True) or no (False) instance; None draws it from
    the seed (yes for even seeds, no for odd ones), so that consecutive seeds
    alternate.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n: give a size >= 0, not {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: give an integer >= 0, not {seed!r}")
    yes = (seed % 2 == 0) if answer is None else bool(answer)
    return _core.problem_generate(name, n, seed, yes)


def solve(name: str, instance: dict) -> bool:
    """The reference answer of an instance (a ValueError names a malformed field)."""
    return _core.problem_solve(name, instance)


def construct(name: str, construction: Optional[str], instance: dict) -> Encoding:
    """Reduces an instance for a construction (None: the problem's first) to an Encoding:
    the construction's model and the instance's tokens."""
    return Encoding(*_core.problem_encode(name, instance, construction or ""))
