import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    """The `parallax` command: the one installed with the package, else $PARALLAX or build/src/cli/parallax."""
    exe = os.environ.get("PARALLAX") or shutil.which("parallax") or str(ROOT / "build" / "src" / "cli" / "parallax")
    if not Path(exe).exists() and not shutil.which(exe):
        pytest.skip("no parallax command")

    def run(*args):
        p = subprocess.run([exe, *args], capture_output=True, text=True)
        return p

    return run


@pytest.fixture(scope="session")
def root():
    return ROOT
