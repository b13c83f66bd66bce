"""What the Parallax notebooks share beyond the ``parallax`` package.

The notebooks compute through the package (``import parallax``: the
experiments, the solvers, ``parallax.Store`` for result stores). Two things
remain here:

- :func:`architecture` maps a model or construction name to the architecture
  column of the expressivity table (01-expressivity);
- :func:`run_quick_suite` runs the suite runner, ``parallax run --quick``, as
  a program (the package has no function for it yet), for 01-expressivity when
  no ``PARALLAX_RUN_DIR`` is given. :func:`find_parallax` locates that program:
  the environment variable ``PARALLAX``, else ``parallax`` on ``PATH``, else the
  build tree ``../build/src/cli/parallax`` next to this folder.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD_BINARY = HERE.parent / "build" / "src" / "cli" / "parallax"


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


# ------------------------------------------------------- the suite runner


def find_parallax() -> str:
    """The path of the parallax program.

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


def run_quick_suite(out: str | os.PathLike) -> None:
    """Run ``parallax run --quick --out OUT``: the quick suite into OUT (results.sqlite,
    expressivity.csv, the reports). A failure raises RuntimeError with the program's diagnostics."""
    argv = [find_parallax(), "run", "--quick", "--out", os.fspath(out)]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        line = shlex.join(["parallax", *argv[1:]])
        raise RuntimeError(f"`{line}` exited with status {proc.returncode}:\n{proc.stderr.strip()}")
