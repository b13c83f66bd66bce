"""Datasets of a problem's labelled instances: ``parallax dataset export`` and
``parallax audit`` as calls (docs/datasets.md)."""
from __future__ import annotations

import os as _os
from typing import Sequence, Union

from . import _core
from ._records import Records

PathLike = Union[str, _os.PathLike]


def export(
    problem: str,
    *,
    out: PathLike,
    splits: str = "train=2..64,val=2..64,test=65..256",
    per_length: int = 16,
    balanced: bool = False,
    allow_overlap: bool = False,
    seed: int = 1,
    format: str = "jsonl",
) -> dict:
    """Writes labelled instances of ``problem`` as ``out``/SPLIT.jsonl plus ``out``/manifest.json.

    ``splits`` is ``NAME=LENGTHS,...`` (a range without a step is every
    length in it); ``per_length`` instances per split and length, exactly
    half yes with ``balanced``. The same arguments give the same bytes; an
    instance already in an earlier split is drawn again unless
    ``allow_overlap``. Returns a dict: ``manifest`` (as written), ``files``,
    ``instances``, ``seconds``. Bad options raise ``parallax.OptionError``.
    """
    if per_length < 1 or seed < 0:
        raise ValueError("export: per_length must be at least 1 and seed non-negative")
    return _core.dataset_export(str(problem), _os.fspath(out), str(splits), int(per_length), bool(balanced),
                                bool(allow_overlap), int(seed), str(format))


def audit(
    problem: str,
    files: Union[PathLike, Sequence[PathLike]],
    *,
    max_wrong: float = 0.0,
    max_leak: float = 0.0,
    max_duplicates: float = 0.05,
    min_minority: float = 0.25,
    shortcut_margin: float = 0.10,
) -> dict:
    """Checks a labelled dataset as ``parallax audit`` does.

    Labels against the reference solver, duplicates within a split, lines of
    a held-out split found verbatim in the training split, answer balance, and
    length probes fitted on the training split. Returns a dict: ``passed``,
    ``checks`` (``Records``: check, split, value, threshold, passed, detail;
    ``.to_pandas()``), ``wrong`` (the first wrong labels as
    ``"FILE:LINE: label L, reference R"``) and ``splits`` (lines, yes and the
    length histogram per split). A malformed line raises ``ValueError``
    naming FILE:LINE and the field.
    """
    if isinstance(files, (str, _os.PathLike)):
        files = [files]
    r = _core.dataset_audit(str(problem), [_os.fspath(f) for f in files], float(max_wrong), float(max_leak),
                            float(max_duplicates), float(min_minority), float(shortcut_margin))
    r["checks"] = Records(r["checks"])
    return r
