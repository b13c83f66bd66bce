"""Datasets of a problem's labelled instances: ``parallax dataset export``,
``parallax audit`` and ``parallax dataset convert`` as calls (docs/datasets.md)."""
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
    negatives: str = "matched",
) -> dict:
    """Writes labelled instances of ``problem`` into ``out`` plus ``out``/manifest.json.

    ``splits`` is ``NAME=LENGTHS,...`` (a range without a step is every
    length in it); ``per_length`` instances per split and length, exactly
    half yes with ``balanced``. ``format``: ``"jsonl"`` (SPLIT.jsonl),
    ``"linearrnn"`` (SPLIT_src.txt / SPLIT_tgt.txt) or ``"word-csv"``
    (SPLIT/GROUP=K.csv). ``negatives="matched"`` draws no-instances that
    letter counts cannot tell from yes-instances where the problem has them;
    ``"uniform"`` the uniform ones. The same arguments give the same bytes;
    an instance already in an earlier split is drawn again unless
    ``allow_overlap``. Returns a dict: ``manifest`` (as written), ``files``,
    ``instances``, ``seconds``. Bad options raise ``parallax.OptionError``.
    """
    if per_length < 1 or seed < 0:
        raise ValueError("export: per_length must be at least 1 and seed non-negative")
    return _core.dataset_export(str(problem), _os.fspath(out), str(splits), int(per_length), bool(balanced),
                                bool(allow_overlap), int(seed), str(format), str(negatives))


def audit(
    problem: str,
    files: Union[PathLike, Sequence[PathLike]],
    *,
    max_wrong: float = 0.0,
    max_leak: float = 0.0,
    max_duplicates: float = 0.05,
    min_minority: float = 0.25,
    shortcut_margin: float = 0.10,
    format: str = "jsonl",
    nodes: int = 0,
) -> dict:
    """Checks a labelled dataset as ``parallax audit`` does.

    Labels (and per-position labels) against the reference solver,
    duplicates within a split, lines of a held-out split found verbatim in
    the training split, answer balance, and shortcut probes (length, first
    and last tokens, token counts and counts mod q) fitted on the training
    split. ``files`` are files or folders of ``format`` (``"jsonl"``,
    ``"linearrnn"``, ``"word-csv"``); ``nodes`` is the node count of
    linearrnn connectivity files (0: the largest id + 1). Returns a dict:
    ``passed``, ``checks`` (``Records``: check, split, value, threshold,
    passed, detail; ``.to_pandas()``), ``wrong`` (the first wrong labels as
    ``"FILE:LINE: label L, reference R"``) and ``splits`` (lines, yes and the
    length histogram per split). A malformed line raises ``ValueError``
    naming FILE:LINE and the field.
    """
    if isinstance(files, (str, _os.PathLike)):
        files = [files]
    if nodes < 0:
        raise ValueError("audit: nodes must be non-negative")
    r = _core.dataset_audit(str(problem), [_os.fspath(f) for f in files], float(max_wrong), float(max_leak),
                            float(max_duplicates), float(min_minority), float(shortcut_margin), str(format), int(nodes))
    r["checks"] = Records(r["checks"])
    return r


def convert(
    problem: str,
    inputs: Union[PathLike, Sequence[PathLike]],
    *,
    from_: str,
    to: str,
    out: PathLike,
    nodes: int = 0,
    seed: int = 0,
) -> dict:
    """Rewrites a dataset in another format, as ``parallax dataset convert`` does.

    ``inputs`` are files or folders of format ``from_``; the splits and their
    lines keep their order, labels are carried over (per-position labels a
    target format needs and the source lacks are the reference solver's, as
    the manifest says). ``seed`` fills word-csv's seed column. Returns a dict
    like ``export``'s.
    """
    if isinstance(inputs, (str, _os.PathLike)):
        inputs = [inputs]
    if nodes < 0 or seed < 0:
        raise ValueError("convert: nodes and seed must be non-negative")
    return _core.dataset_convert(str(problem), [_os.fspath(f) for f in inputs], str(from_), str(to), _os.fspath(out), int(nodes),
                                 int(seed))
