"""Suites and reports: ``run`` and ``report``, the commands ``parallax run`` and ``parallax report``.

``run`` reads and checks a suite (a TOML file, or the built-in suite) exactly
as ``parallax run`` does, then runs its units as child processes of the
``parallax`` command (each writes its own results to the store, as on the
command line), with the GIL released. The command is found by
``parallax_executable()``: ``$PARALLAX`` if set, else the ``parallax``
installed with the package (the environment's scripts folder), else
``parallax`` on PATH.
"""
from __future__ import annotations

import os as _os
import shutil as _shutil
import sys as _sys
import sysconfig as _sysconfig
from typing import Callable, Optional, Sequence, Union

from . import _core
from .store import Store, store_path

PathLike = Union[str, "_os.PathLike[str]"]


def parallax_executable() -> str:
    """The ``parallax`` command that ``run`` starts its units with.

    In order: the ``PARALLAX`` environment variable (a path), the ``parallax``
    installed beside the package (``sysconfig.get_path("scripts")``), then
    ``parallax`` on PATH. RuntimeError when none is found.
    """
    env = _os.environ.get("PARALLAX")
    if env:
        if not (_os.path.isfile(env) and _os.access(env, _os.X_OK)):
            raise RuntimeError(f"PARALLAX={env}: not an executable file (the parallax command that runs a suite's units)")
        return _os.path.abspath(env)
    scripts = _sysconfig.get_path("scripts")
    if scripts:
        beside = _os.path.join(scripts, "parallax")
        if _os.path.isfile(beside) and _os.access(beside, _os.X_OK):
            return beside
    found = _shutil.which("parallax")
    if found:
        return _os.path.abspath(found)
    raise RuntimeError("no parallax command found to run the suite's units: set PARALLAX to its path, or install the "
                       f"package with its command (looked in $PARALLAX, {scripts or 'the scripts folder'} and PATH)")


def _formats(formats) -> str:
    if isinstance(formats, str):
        return formats
    return ",".join(str(f) for f in formats)


def run(
    suite: Optional[PathLike] = None,
    *,
    out: PathLike,
    quick: bool = False,
    jobs: Optional[int] = None,
    formats: Union[str, Sequence[str]] = ("md", "html", "tex", "csv"),
    plots: bool = True,
    dry_run: bool = False,
    progress: Union[bool, Callable[[dict], None]] = True,
) -> Union[dict, list]:
    """Runs a suite into ``out``/results.sqlite and writes its report into ``out``, as ``parallax run``.

    ``suite`` is a TOML file (None: the built-in suite; ``quick``: its quick
    variant). The suite is checked before any work (a bad file raises
    ValueError naming FILE:LINE); its units run ``jobs`` at a time (None: one
    per core) as children of the ``parallax`` command
    (``parallax_executable()``), their logs in ``out``/logs. A rerun resumes:
    units skip every stored result, and failed units are retried. Ctrl-C
    stops the run (KeyboardInterrupt): no new units start, running ones are
    stopped, and what they stored stays.

    ``progress``: True prints a line when the run starts and one per unit as
    it ends (as ``parallax run`` does, to ``sys.stderr``); False prints
    nothing; a callable gets a dict per event instead: ``{"event": "started",
    suite, file, quick, entries, units, jobs, store}`` once, then ``{"event":
    "unit", done, total, seconds, label, exit_code}`` per unit.

    Returns a dict: suite, file, quick, dir, store, report (report.md),
    files (every report file written), entries, units, jobs, failed (one
    "LABEL (exit N; log PATH)" per failed unit: the run is unfinished),
    wall_seconds, attempt, disagreements, plots_made, plots_note and record
    (the suite's stored record). With ``dry_run``: the units' command lines,
    without running them.
    """
    if progress is True:
        progress = _print_progress
    elif progress is False:
        progress = None
    elif not callable(progress):
        raise TypeError(f"run: progress must be True, False or a callable, not {type(progress).__name__}")
    return _core.run_suite("" if suite is None else _os.fspath(suite), _os.fspath(out), bool(quick),
                           0 if jobs is None else int(jobs), _formats(formats), bool(plots), bool(dry_run),
                           "" if dry_run else parallax_executable(), progress)


def _print_progress(event: dict) -> None:
    """The command line's progress lines (`parallax run`), on sys.stderr."""
    if event["event"] == "started":
        quick = ", quick" if event["quick"] else ""
        line = (f"parallax run: {event['suite']} ({event['file']}{quick}), {event['entries']} entries in "
                f"{event['units']} units, {event['jobs']} at a time, into {event['store']}")
    else:
        status = "ok" if event["exit_code"] == 0 else f"FAILED (exit {event['exit_code']})"
        line = f"[{event['done']}/{event['total']}] {event['seconds']:7.1f} s  {event['label']}  {status}"
    print(line, file=_sys.stderr, flush=True)


def report(
    store: Union[PathLike, Store],
    *,
    out: PathLike,
    formats: Union[str, Sequence[str]] = ("md", "html", "tex", "csv"),
    plots: bool = True,
    title: str = "Parallax report",
) -> list:
    """Writes the report of a result store into ``out``, as ``parallax report``; returns the files written.

    ``formats``: any of md, html, tex, csv (a list or comma-separated text).
    The store is never created (a missing one raises ValueError naming it);
    ``out`` is created when missing. Without ``plots`` (or without gnuplot),
    the report says that it has no plots.
    """
    if store is None:
        raise TypeError("store: a path or a parallax.Store, not None")
    return list(_core.report(store_path(store), _os.fspath(out), _formats(formats), bool(plots), title)["files"])
