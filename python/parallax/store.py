"""Result stores (docs/store.md) as pandas tables, read through the library's store API."""
from __future__ import annotations

import os
from typing import Optional, Union

from . import _core

_RESULT_COLUMNS = ("run", "command", "kind", "key", "created")


class Store:
    """A result store written by ``--store`` / ``store=`` / ``parallax run``, opened for reading.

    A missing file, or one that is not a Parallax store, raises ValueError
    naming it. ``runs()`` and ``results()`` return pandas DataFrames.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"]):
        self._store = _core._Store.open(os.fspath(path))

    @property
    def path(self) -> str:
        return self._store.path

    def __fspath__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        return f"<parallax.Store {self.path!r}>"

    def runs(self):
        """One row per run: id, command, seed, version, started, finished (None: interrupted
        or still running), host, results (their count) and config (a dict)."""
        import pandas as pd

        cols = ["id", "command", "seed", "version", "started", "finished", "host", "results", "config"]
        return pd.DataFrame(self._store.runs(), columns=cols)

    def results(self, kind: Optional[str] = None, *, command: Optional[str] = None, run: Optional[int] = None):
        """One row per stored result: run, command (the run's), kind (``record``,
        ``min-bits``, ``circuit``, ``solve``, ``suite``, ...), key, created, then the
        record's fields as columns (a field named like one of those becomes
        ``record_NAME``). ``kind``, ``command`` and ``run`` select rows."""
        import pandas as pd

        commands = {r["id"]: r["command"] for r in self._store.runs()}
        rows = []
        for res in self._store.results(run):
            if kind is not None and res["kind"] != kind:
                continue
            if command is not None and commands.get(res["run"]) != command:
                continue
            row = {"run": res["run"], "command": commands.get(res["run"]), "kind": res["kind"], "key": res["key"],
                   "created": res["created"]}
            rec = res["record"]
            if isinstance(rec, dict):
                for k, v in rec.items():
                    row["record_" + k if k in row else k] = v
            else:
                row["record"] = rec
            rows.append(row)
        frame = pd.DataFrame(rows)
        if frame.empty:
            frame = pd.DataFrame(columns=list(_RESULT_COLUMNS))
        return frame

    def records(self, kind: Optional[str] = None, *, command: Optional[str] = None, run: Optional[int] = None) -> list:
        """The stored records themselves (dicts, as written), selected as in results()."""
        commands = {r["id"]: r["command"] for r in self._store.runs()}
        return [res["record"] for res in self._store.results(run)
                if (kind is None or res["kind"] == kind) and (command is None or commands.get(res["run"]) == command)]


def store_path(store) -> str:
    """The path of a ``store=`` argument: a path, a Store, or None (no store: "")."""
    if store is None:
        return ""
    if isinstance(store, Store):
        return store.path
    if isinstance(store, (str, os.PathLike)):
        return os.fspath(store)
    raise TypeError(f"store: a path or a parallax.Store, not {type(store).__name__}")
