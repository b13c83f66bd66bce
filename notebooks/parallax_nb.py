"""What the Parallax notebooks share beyond the ``parallax`` package.

The notebooks compute through the package (``import parallax``: the
experiments, the solvers, the suite runner, ``parallax.Store`` for result
stores). One thing remains here: :func:`architecture` maps a model or
construction name to the architecture column of the expressivity table
(01-expressivity).
"""

from __future__ import annotations


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
