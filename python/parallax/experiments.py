"""The accuracy sweeps and the circuit experiment: ``reduce``, ``recognize`` and ``circuit``.

Each is the experiment of the command of the same name (experiment::<kind>
in the library): keyword arguments named like its long options (underscores
for dashes), checked by the same validate() with messages naming the keyword,
and records as its ``--json`` prints them (``record`` says their kind:
``accuracy`` or ``min_bits``). ``store`` (a path or a Store) writes every
result to a result store as ``--store`` does, so a rerun resumes. Runs
release the GIL and stop on Ctrl-C with KeyboardInterrupt, leaving what they
stored.
"""
from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Optional, Sequence, Union

from . import _core
from ._records import Records
from .store import Store, store_path

Lengths = Union[str, int, Sequence[int], None]
Precisions = Union[str, Sequence[str], None]


def _text(x):
    """lists of lengths or precisions as the comma-separated text of the command line"""
    if x is None or isinstance(x, (str, bool, int, float)):
        return x
    return ",".join(str(v) for v in x)


def _sweep_keys(lengths, precision, trials, seed, min_bits, exponent_bits, max_bits, no_scan, allow_long) -> dict:
    if isinstance(precision, (list, tuple)):
        precision = [str(p) for p in precision]
    elif precision is not None:
        precision = str(precision)
    return dict(lengths=_text(lengths), precision=_text(precision),
                trials=trials, seed=seed, min_bits=min_bits, exponent_bits=exponent_bits, max_bits=max_bits,
                no_scan=no_scan, allow_long=allow_long)


def reduce(
    problem: str,
    construction: Optional[str] = None,
    *,
    lengths: Lengths = None,
    precision: Precisions = "fp32",
    trials: int = 20,
    seed: int = 1,
    jobs: int = 1,
    min_bits: bool = False,
    exponent_bits: int = 10,
    max_bits: int = 2048,
    no_scan: bool = False,
    allow_long: bool = False,
    store: Union[str, "_os.PathLike[str]", Store, None] = None,
) -> Records:
    """Reduces generated instances of a problem to a construction's model and checks the answers.

    As ``parallax reduce --json``: per length (``lengths``: "16,64,256" by
    default, or a list) and precision (one or a list), ``trials`` instances
    (half yes, half no) from ``seed``, decided sequentially and by the
    parallel scan and compared with the reference solver: one ``accuracy``
    record each; with ``min_bits``, the ``min_bits`` records of the
    minimum-precision search. ``jobs`` threads over trials (the records do not
    depend on it).
    """
    kwargs = dict(problem=problem, construction=construction, jobs=jobs,
                  **_sweep_keys(lengths, precision, trials, seed, min_bits, exponent_bits, max_bits, no_scan, allow_long))
    return Records(_core.reduce(kwargs, store_path(store)))


def recognize(
    *,
    language: Optional[str] = None,
    regex: Optional[str] = None,
    automaton: Union[str, "_os.PathLike[str]", dict, None] = None,
    alphabet: Optional[str] = None,
    model: str = "pd",
    lengths: Lengths = None,
    precision: Precisions = "fp32",
    trials: int = 20,
    seed: int = 1,
    min_bits: bool = False,
    exponent_bits: int = 10,
    max_bits: int = 2048,
    no_scan: bool = False,
    allow_long: bool = False,
    store: Union[str, "_os.PathLike[str]", Store, None] = None,
) -> Records:
    """Compiles a language into a model and tests recognition, as ``parallax recognize --json``.

    The language is one of ``language`` (a built-in name), ``regex`` (with
    ``alphabet``) or ``automaton`` (a file, or the dict of its JSON form).
    ``model`` is the kind compiled to (pd, householder, diag, rotation,
    dense, wfa, relu-rnn, diag01). Per length ("10,100,1000" by default) and
    precision: sampled words, half accepted and half rejected where both
    exist; one ``accuracy`` record each, and ``min_bits`` records with
    ``min_bits``. The result's ``description`` is the compiled model's.
    """
    automaton_json = _json.dumps(automaton) if isinstance(automaton, dict) else ""
    automaton_path = "" if automaton is None or isinstance(automaton, dict) else _os.fspath(automaton)
    kwargs = dict(model=model,
                  **_sweep_keys(lengths, precision, trials, seed, min_bits, exponent_bits, max_bits, no_scan, allow_long))
    rows, description = _core.recognize(kwargs, language or "", automaton_path, automaton_json, regex or "",
                                        alphabet or "", store_path(store))
    out = Records(rows)
    out.description = description
    return out


def circuit(
    model: str,
    *,
    n: Optional[int] = None,
    sweep: Optional[str] = None,
    network: str = "brent-kung",
    fanin: str = "bounded",
    seed: int = 1,
    store: Union[str, "_os.PathLike[str]", Store, None] = None,
) -> Records:
    """Builds the circuit of a model spec over n steps and measures it, as ``parallax circuit --json``.

    ``model`` is a spec (``lrnn:diag:d=4``, ``transformer:random``,
    ``dfa:parity``, ...); ``n`` one length or ``sweep`` "A..B" (A, 2A, 4A, ...
    up to B). One record per length: size, depth, depth_bounded, mult_depth,
    max_fanin, gates, mbytes, seconds.
    """
    kwargs = dict(model=model, n=n, sweep=sweep, network=network, fanin=fanin, seed=seed)
    return Records(_core.circuit(kwargs, store_path(store)))
