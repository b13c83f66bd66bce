#!/usr/bin/env python3
"""Executes the Parallax notebooks headless, as the test suite does.

Every notebooks/*.ipynb is first checked to be committed clean (no outputs,
no execution counts), then executed with nbclient in a temporary copy — the
committed files are never written — by a python3 kernel of the interpreter
running this script, with the notebooks folder as working directory; the
notebooks import the package parallax from that interpreter. The environment
passes PARALLAX (the program, for the quick suite run of 01-expressivity) and
PARALLAX_RUN_DIR (results of a `parallax run`) to the notebooks. One line per
notebook gives its wall time; the first failing cell of each notebook is named
with its error.

Exit status: 0 all notebooks ran, 1 a notebook failed or is not clean,
2 bad usage. scripts/notebooks.sh sets up the virtual environment and calls
this script.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours of IPython tracebacks


def fail_usage(message: str) -> None:
    print(f"run_notebooks: {message}", file=sys.stderr)
    sys.exit(2)


def first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:100]
    return "(empty)"


def dirty_cells(nb) -> list[str]:
    """Why a committed notebook is not clean: one message per offending cell."""
    problems = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        what = []
        if cell.get("outputs"):
            what.append(f"{len(cell.outputs)} outputs")
        if cell.get("execution_count") is not None:
            what.append(f"execution_count {cell.execution_count}")
        if what:
            problems.append(f"cell {index} ({first_line(cell.source)}): {', '.join(what)}")
    return problems


def error_text(cell) -> str:
    """The error a failed cell printed (the last error output), one line."""
    for output in reversed(cell.get("outputs", [])):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    return ""


def kernel_spec_dir(base: Path) -> Path:
    """A jupyter path holding a python3 kernel spec for this very interpreter.

    Put first on JUPYTER_PATH, it overrides any python3 kernel the user has
    installed elsewhere, so the notebooks run with this environment's packages.
    """
    spec = base / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (parallax notebooks)",
        "language": "python",
    }))
    return base


def run_one(path: Path, work: Path, timeout: int, keep: Path | None) -> tuple[bool, float, str]:
    """Execute one notebook; returns (ok, seconds, message)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    copy = work / path.name
    shutil.copyfile(path, copy)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        allow_errors=False,
    )
    current = {"index": None}

    def on_cell_start(cell, cell_index, **_):
        current["index"] = cell_index

    client.on_cell_start = on_cell_start
    start = time.perf_counter()
    ok, message = True, ""
    # The kernel's own diagnostics (startup warnings, a crash) go to a log, shown when it dies.
    log_path = work / f"{path.stem}.kernel.log"
    try:
        with open(log_path, "w") as log:
            client.execute(stderr=log)
    except Exception as err:  # CellExecutionError, CellTimeoutError, DeadKernelError, …
        ok = False
        index = current["index"]
        if index is None:
            message = f"the kernel did not start: {type(err).__name__}: {str(err).strip()[:500]}"
        else:
            cell = nb.cells[index]
            detail = error_text(cell) or f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
            message = f"cell {index + 1} ({first_line(cell.source)}) failed: {detail}"
            if type(err).__name__ == "CellExecutionError":
                plain = ANSI.sub("", str(err)).strip().splitlines()
                message += "\n" + "\n".join("    " + line for line in plain[-25:])
        if type(err).__name__ != "CellExecutionError" and log_path.is_file():
            tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
            if tail:
                message += "\n    kernel log:\n" + "\n".join("    " + line for line in tail)
    seconds = time.perf_counter() - start
    nbformat.write(nb, copy)
    if keep is not None:
        shutil.copyfile(copy, keep / path.name)
    return ok, seconds, message


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*",
                        help="notebooks to run, paths or names in the folder (default: every notebooks/*.ipynb)")
    parser.add_argument("--folder", default=str(ROOT / "notebooks"), help="the notebooks folder")
    parser.add_argument("--parallax", help="the parallax program, for 01-expressivity's quick suite (sets PARALLAX)")
    parser.add_argument("--run-dir", help="a directory written by `parallax run` (sets PARALLAX_RUN_DIR)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    parser.add_argument("--keep", help="copy the executed notebooks into this directory")
    args = parser.parse_args()

    folder = Path(args.folder).resolve()
    if args.notebooks:
        # A bare name is looked up in the notebooks folder.
        paths = [(Path(p) if Path(p).exists() or not (folder / p).exists() else folder / p).resolve()
                 for p in args.notebooks]
    else:
        paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        fail_usage(f"no notebooks in {folder}")
    for path in paths:
        if not path.is_file():
            fail_usage(f"{path}: no such notebook")

    if args.parallax:
        program = Path(args.parallax).expanduser().resolve()
        if not (program.is_file() and os.access(program, os.X_OK)):
            fail_usage(f"--parallax {args.parallax}: not an executable file")
        os.environ["PARALLAX"] = str(program)
    if args.run_dir:
        run_dir = Path(args.run_dir).expanduser().resolve()
        if not (run_dir / "results.sqlite").is_file():
            fail_usage(f"--run-dir {args.run_dir}: no results.sqlite there")
        os.environ["PARALLAX_RUN_DIR"] = str(run_dir)
    keep = None
    if args.keep:
        keep = Path(args.keep).resolve()
        keep.mkdir(parents=True, exist_ok=True)

    try:
        import nbformat  # noqa: F401
        import nbclient  # noqa: F401
        import ipykernel  # noqa: F401
    except ImportError as err:
        print(f"run_notebooks: {err.name} is not installed for {sys.executable} "
              "(scripts/notebooks.sh installs it in a virtual environment)", file=sys.stderr)
        return 2
    try:
        import parallax  # noqa: F401  (the notebooks compute through the package)
    except ImportError as err:
        print(f"run_notebooks: the package parallax cannot be imported by {sys.executable} ({err}); "
              "scripts/notebooks.sh installs it (scripts/python.sh), or put a built one on PYTHONPATH "
              "(build/python/stage after a build with -DPARALLAX_PYTHON=ON)", file=sys.stderr)
        return 2
    import nbformat

    failed = 0
    # Committed notebooks must be clean before anything runs.
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as err:
            print(f"{path.name}: not a readable notebook: {err}", file=sys.stderr)
            failed += 1
            continue
        problems = dirty_cells(nb)
        if problems:
            failed += 1
            print(f"{path.name}: committed with outputs or execution counts "
                  "(clear them: Kernel > Restart & Clear Output, or "
                  f"jupyter nbconvert --clear-output --inplace {path.name}):", file=sys.stderr)
            for line in problems:
                print(f"    {line}", file=sys.stderr)
    if failed:
        return 1

    with tempfile.TemporaryDirectory(prefix="parallax-notebooks-") as tmp:
        work = Path(tmp)
        jupyter = kernel_spec_dir(work / "jupyter")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [str(jupyter)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
        # Temporary files of the notebooks (a quick suite run, stores) go away with this directory,
        # and no __pycache__ appears next to the committed notebooks.
        scratch = work / "tmp"
        scratch.mkdir()
        os.environ["TMPDIR"] = str(scratch)
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend (Agg-based) draws the figures

        total = time.perf_counter()
        for path in paths:
            ok, seconds, message = run_one(path, work, args.timeout, keep)
            print(f"{path.name:<28} {'ok    ' if ok else 'FAILED'} {seconds:7.1f} s", flush=True)
            if not ok:
                failed += 1
                print(f"{path.name}: {message}", file=sys.stderr, flush=True)
        print(f"{len(paths) - failed} of {len(paths)} notebooks ran in {time.perf_counter() - total:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
