"""The named models of ``parallax models``: ``named(name)`` and ``list()``."""
from __future__ import annotations

from . import _core
from ._core import Model


def named(name: str) -> Model:
    """A named model (s5, parity, ...: ``list()`` gives them); ValueError for an unknown name."""
    return _core.named_model(name)


def list() -> list[dict]:  # noqa: A001 - the module's vocabulary
    """Every named model as a dict with name and description."""
    return [{"name": n, "description": d} for n, d in _core.named_models()]


def random_cell(kind: str, hidden: int, input_size: int, *, seed: int = 1, gain: float = 0.9) -> Model:
    """A nonlinear cell with random weights (as ``parallax solve --cell KIND`` draws them)."""
    return _core.random_cell(kind, hidden, input_size, seed, gain)
