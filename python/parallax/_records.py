"""Records as Python objects: attribute access, and lists of them as pandas tables."""
from __future__ import annotations

from typing import Any, Optional


class Records(list):
    """A list of record dicts with ``to_pandas()``."""

    def to_pandas(self):
        """The records as a pandas DataFrame, one row per record (needs pandas)."""
        import pandas as pd

        return pd.DataFrame([dict(r) for r in self])


class SolveResult:
    """The outcome of ``parallax.solve``: ``record`` (the dict ``parallax solve --json``
    prints) and ``states`` (float64 array of shape (B, T, n), or None)."""

    def __init__(self, record: dict, states: Optional[Any]):
        self.record = record
        self.states = states

    @property
    def iterations(self) -> int:
        return self.record["iterations"]

    @property
    def converged(self) -> bool:
        return self.record["converged"]

    @property
    def residual_history(self) -> list:
        return self.record.get("residual_history", [])

    @property
    def max_error_vs_sequential(self) -> float:
        return self.record["max_error_vs_sequential"]

    @property
    def seconds(self) -> dict:
        return {k[len("seconds_"):]: v for k, v in self.record.items() if k.startswith("seconds_") and v is not None}

    def __repr__(self) -> str:
        r = self.record
        return (f"<parallax.SolveResult {r.get('cell')} T={r.get('length')} {r.get('method')} {r.get('precision')}: "
                f"{r.get('iterations')} iterations, converged={r.get('converged')}>")
