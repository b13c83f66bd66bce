"""Shared plumbing of the Parallax notebooks.

The notebooks never compute an experiment themselves: they call the
``parallax`` program and read what it prints (``--json``: JSON Lines) or what
it stored (the SQLite result store of docs/store.md). This module holds the
three things every notebook needs for that:

- :func:`find_parallax` locates the program: the environment variable
  ``PARALLAX``, else ``parallax`` on ``PATH``, else the build tree
  ``../build/src/cli/parallax`` next to this folder;
- :func:`cli` and :func:`cli_json` run a subcommand, the latter parsing its
  JSON Lines into a pandas DataFrame (or, with ``split="record"``, one
  DataFrame per kind of record);
- :func:`store_query`, :func:`store_runs` and :func:`store_results` read a
  store into DataFrames with plain SQL (``json_extract`` on ``result.record``).

:func:`architecture` maps a model or construction name to the architecture
column of the expressivity table.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

HERE = Path(__file__).resolve().parent
BUILD_BINARY = HERE.parent / "build" / "src" / "cli" / "parallax"


class ParallaxError(RuntimeError):
    """A parallax command failed, or its output or store could not be read."""


def find_parallax() -> str:
    """The path of the parallax executable.

    Looks at $PARALLAX, then ``parallax`` on PATH, then the build tree
    (../build/src/cli/parallax relative to the notebooks folder).
    """
    env = os.environ.get("PARALLAX")
    if env:
        path = Path(env).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise FileNotFoundError(f"PARALLAX={env} is not an executable file")
        return str(path.resolve())
    on_path = shutil.which("parallax")
    if on_path:
        return on_path
    if BUILD_BINARY.is_file() and os.access(BUILD_BINARY, os.X_OK):
        return str(BUILD_BINARY)
    raise FileNotFoundError(
        "cannot find the parallax program: set PARALLAX=/path/to/parallax, put parallax on PATH, "
        f"or build it (scripts/build.sh) so that {BUILD_BINARY} exists"
    )


def cli(*args: object, ok: Iterable[int] = (0,), timeout: float | None = 600) -> subprocess.CompletedProcess:
    """Run ``parallax ARGS…`` and return the finished process (stdout and stderr as text).

    An exit status outside ``ok`` raises ParallaxError with the command line
    and the program's diagnostics.
    """
    argv = [find_parallax(), *map(str, args)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if proc.returncode not in tuple(ok):
        line = shlex.join(["parallax", *argv[1:]])
        raise ParallaxError(f"`{line}` exited with status {proc.returncode}:\n{proc.stderr.strip()}")
    return proc


def parse_jsonl(text: str, source: str = "output") -> list[dict]:
    """The objects of a JSON Lines text; blank lines are skipped, anything else is an error."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ParallaxError(f"{source}, line {number}: not JSON ({err.msg}): {line[:120]!r}") from None
        if not isinstance(row, dict):
            raise ParallaxError(f"{source}, line {number}: a JSON object was expected")
        rows.append(row)
    return rows


def cli_json(*args: object, ok: Iterable[int] = (0,), timeout: float | None = 600,
             split: str | None = None) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Run ``parallax ARGS… --json`` and return its JSON Lines as a DataFrame (one row per line).

    ``--json`` is appended unless already given. ``ok`` lists the exit
    statuses that still count as an answer (``solve`` exits 1 when the
    solver diverged but prints its record all the same). With ``split``
    (usually ``"record"``), the lines are grouped by that field instead and a
    dict {value: DataFrame} comes back, each frame with only its own columns.
    """
    args = tuple(map(str, args))
    if "--json" not in args:
        args = (*args, "--json")
    proc = cli(*args, ok=ok, timeout=timeout)
    rows = parse_jsonl(proc.stdout, source=f"parallax {args[0]} --json")
    return pd.DataFrame(rows) if split is None else split_rows(rows, split)


def split_rows(rows: Iterable[dict], field: str = "record") -> dict[str, pd.DataFrame]:
    """Group JSON records by the value of ``field``: {value: DataFrame without that column}.

    Building each frame from its own records keeps integer fields integers
    (one frame of mixed records would pad them with NaN and make them floats).
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        row = dict(row)
        groups.setdefault(str(row.pop(field, "")), []).append(row)
    return {name: pd.DataFrame(group) for name, group in groups.items()}


# ---------------------------------------------------------------- the store


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such store")
    try:
        conn = sqlite3.connect(path)
        # Read, never write. A read-write connection (unlike mode=ro) removes
        # the WAL side files when it closes, leaving the folder as it was.
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.OperationalError:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("SELECT 1 FROM parallax_meta LIMIT 1")
    except sqlite3.DatabaseError as err:
        conn.close()
        raise ParallaxError(f"{path} is not a Parallax store ({err})") from None
    return conn


def store_query(path: str | os.PathLike, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
    """Run one SELECT on the store at ``path`` and return the rows as a DataFrame."""
    conn = _connect(path)
    try:
        return pd.read_sql_query(sql, conn, params=tuple(params))
    finally:
        conn.close()


def store_runs(path: str | os.PathLike) -> pd.DataFrame:
    """The runs of a store with how many results each holds (docs/store.md, table run)."""
    return store_query(
        path,
        """SELECT run.id, run.command, run.config, run.seed, run.version, run.started, run.finished,
                  count(result.id) AS results
           FROM run LEFT JOIN result ON result.run = run.id
           GROUP BY run.id ORDER BY run.id""",
    )


def store_results(path: str | os.PathLike, kind: str | None = None,
                  commands: Iterable[str] | None = None) -> pd.DataFrame:
    """The results of a store, one row each: run, command, kind, key, then the record's fields.

    ``kind`` keeps one result kind (record, min-bits, circuit, solve, suite);
    ``commands`` keeps the results of runs of these commands.
    """
    sql = ("SELECT result.run, run.command, result.kind, result.key, result.record "
           "FROM result JOIN run ON run.id = result.run WHERE 1")
    params: list[object] = []
    if kind is not None:
        sql += " AND result.kind = ?"
        params.append(kind)
    if commands is not None:
        commands = list(commands)
        sql += f" AND run.command IN ({','.join('?' * len(commands))})"
        params.extend(commands)
    sql += " ORDER BY result.id"
    rows = store_query(path, sql, params)
    fields = pd.DataFrame([json.loads(text) for text in rows["record"]], index=rows.index)
    fields = fields.rename(columns={c: f"record_{c}" for c in ("run", "command", "kind", "key") if c in fields})
    return pd.concat([rows.drop(columns="record"), fields], axis=1)


# ------------------------------------------------------- architecture names

ARCHITECTURES = {
    "diag01": "diag01", "counter": "diag01",
    "diag": "diag11",
    "rotation": "complex",
    "pd": "pd",
    "householder": "dplr", "dplr": "dplr", "wfa": "dplr",
    "dense": "dense",
    "relu-rnn": "rnn", "relu-rnn-base2": "rnn",
}


def architecture(name: str) -> str:
    """The expressivity-table architecture of a model or construction name (the name itself if unknown)."""
    if not isinstance(name, str):
        return name
    if name.startswith("transformer"):
        return "transformer"
    return ARCHITECTURES.get(name, name)
