"""Parallax from Python: scans, Newton solvers and models under controlled precision.

The compiled core (parallax._core) does the work; these functions give it
keyword arguments, numpy arrays and pandas tables. Bad input raises
ValueError with the message the command line prints (naming the file, line,
field or option); other failures raise RuntimeError. docs/python.md lists
the API.
"""
from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as _np

from . import _core
from ._core import Model, OptionError, Precision, RegexError, ScanResult
from ._records import Records, SolveResult
from . import datasets, models, problems
from .experiments import circuit, recognize, reduce
from .store import Store
from .suite import parallax_executable, report, run

__version__: str = _core.__version__

__all__ = [
    "Model",
    "OptionError",
    "Precision",
    "RegexError",
    "Records",
    "ScanResult",
    "SolveResult",
    "Store",
    "__version__",
    "affine_scan",
    "circuit",
    "classify",
    "equivalent",
    "load_model",
    "models",
    "parallax_executable",
    "precisions",
    "problems",
    "recognize",
    "reduce",
    "report",
    "run",
    "scan",
    "solve",
    "solve_gradients",
]


def precisions() -> list[dict]:
    """Every accepted precision form: dicts with syntax, example and description."""
    return [dict(zip(("syntax", "example", "description"), f)) for f in _core.precision_forms()]


def load_model(source: Union[str, "_os.PathLike[str]", dict]) -> Model:
    """A model from a file path or from the dict of its JSON form.

    LRNN, transformer and nonlinear-cell files are told apart by their
    fields (docs/lrnn-json.md, docs/transformer-json.md, docs/cells-json.md).
    ``Model.to_dict()`` gives the dict back.
    """
    if isinstance(source, dict):
        return _core.model_from_json(_json.dumps(source), "<dict>")
    if isinstance(source, (str, _os.PathLike)):
        return _core.load_model_file(_os.fspath(source))
    raise TypeError(f"load_model: a path or a dict, not {type(source).__name__}")


def _threads(threads: Optional[int]) -> int:
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
        raise ValueError(f"threads: give a count >= 0 (0 or None: all cores), not {threads!r}")
    return threads


def scan(
    model: Model,
    tokens: Union[str, Sequence[str], Sequence[int], _np.ndarray, None] = None,
    *,
    inputs: Optional[_np.ndarray] = None,
    precision: Union[str, Precision] = "fp32",
    parallel: bool = True,
    threads: Optional[int] = None,
    states: bool = False,
) -> ScanResult:
    """Runs a model on a token sequence at a precision.

    ``tokens`` is a string of token names (``"abba"``, or names separated by
    spaces), a sequence of names, or a sequence or array of indices into
    ``model.alphabet`` (a C-contiguous uint32 array is read in place, without
    a copy; other integer arrays are checked and converted first); or, for an LRNN with real-valued inputs (input_dim m),
    ``inputs``: a float64 array of shape (n, m), each value read exactly. An LRNN runs by the parallel scan (``parallel=True``)
    or sequentially; other kinds run directly. log:C and poly:K resolve at
    the input's length. The result holds the final state (``.state`` as
    floats, ``.state_exact`` as exact text), the readout ``.score``, the
    ``.verdict`` and the arithmetic ``.events`` (overflow, saturated, ...).
    With ``states=True`` (an LRNN in fp32 or fp64) it also keeps every state:
    ``.states`` is the (n, d) float64 array of h_1 ... h_n and ``.scores`` the
    (n,) readout scores, written by the parallel scan itself when ``parallel``.
    """
    if not isinstance(model, Model):
        raise TypeError(f"scan: model must be a parallax.Model, not {type(model).__name__}")
    if (tokens is None) == (inputs is None):
        raise ValueError("scan: give exactly one of tokens and inputs")
    if inputs is not None:
        inputs = _float64_matrix(inputs, "inputs")
        return _core.scan_inputs(model, inputs, Precision(str(precision)), bool(parallel), _threads(threads),
                                 bool(states))
    if isinstance(tokens, _np.ndarray):
        if tokens.ndim != 1 or tokens.dtype.kind not in "iu":
            raise ValueError(f"tokens: a 1-D integer array of token indices, not {tokens.dtype} of shape {tokens.shape}")
        if tokens.dtype == _np.uint64 and tokens.size and int(tokens.max()) >= 2**63:
            raise ValueError(f"tokens: index {int(tokens.max())} is outside the alphabet")
        if tokens.dtype == _np.uint32 and tokens.flags.c_contiguous:  # read in place, checked by the run itself
            return _core.scan_token_array_u32(model, tokens, Precision(str(precision)), bool(parallel),
                                              _threads(threads), bool(states))
        tokens = _np.ascontiguousarray(tokens, dtype=_np.int64)  # no copy when already int64 and contiguous
        return _core.scan_token_array(model, tokens, Precision(str(precision)), bool(parallel), _threads(threads),
                                      bool(states))
    return _core.scan_tokens(model, tokens, Precision(str(precision)), bool(parallel), _threads(threads), bool(states))


def affine_scan(
    a: _np.ndarray,
    b: _np.ndarray,
    *,
    h0: float = 0.0,
    threads: Optional[int] = None,
    block: int = 0,
    out: Optional[_np.ndarray] = None,
) -> _np.ndarray:
    """h[t] = a[t] * h[t-1] + b[t] with h[-1] = h0, by the parallel chained scan.

    ``a`` and ``b`` are 1-D C-contiguous arrays of one dtype, float32 or
    float64; they are read in place (no copy) and the states written into
    ``out`` (a new array when not given, else one of the same dtype and
    length). The GIL is released while the scan runs.
    """
    for name, x in (("a", a), ("b", b)):
        if not isinstance(x, _np.ndarray):
            raise TypeError(f"affine_scan: {name} must be a numpy array, not {type(x).__name__}")
        if x.dtype not in (_np.float32, _np.float64):
            raise ValueError(f"{name}: dtype {x.dtype}; give float32 or float64")
        if x.ndim != 1:
            raise ValueError(f"{name}: shape {x.shape}; give a 1-D array")
        if not x.flags.c_contiguous:
            raise ValueError(f"{name}: not C-contiguous; pass numpy.ascontiguousarray({name})")
    if a.dtype != b.dtype:
        raise ValueError(f"b: dtype {b.dtype} differs from a's {a.dtype}")
    if out is None:
        out = _np.empty_like(a)
    elif not isinstance(out, _np.ndarray) or out.dtype != a.dtype or out.ndim != 1 or not out.flags.c_contiguous:
        raise ValueError(f"out: a 1-D C-contiguous {a.dtype} array of length {a.shape[0]}")
    fn = _core.affine_scan_f32 if a.dtype == _np.float32 else _core.affine_scan_f64
    fn(a, b, out, float(h0), _threads(threads), int(block))
    return out


def solve(
    cell: Union[Model, str],
    inputs: Optional[_np.ndarray] = None,
    *,
    method: str = "newton",
    precision: str = "fp64",
    tol: Optional[float] = None,
    max_iters: Optional[int] = None,
    init: Optional[str] = None,
    threads: Optional[int] = None,
    keep_states: bool = True,
    **options: Any,
) -> SolveResult:
    """Evaluates a nonlinear RNN by a parallel solver and compares it with the sequential run.

    ``cell`` is a Model of kind 'cell' (``load_model`` of a cell file) or a
    cell kind (elman, gru, lstm, paragru, paralstm, argru) whose random
    weights come from ``hidden``, ``input_size``, ``seed`` and ``gain``.
    ``inputs`` is a float64 array of shape (T, m) or (B, T, m) (random inputs
    of ``length`` steps when None). ``method`` is one of sequential, jacobi,
    sequential, jacobi, deer, quasi-deer, newton, elk, quasi-elk; the other keyword arguments are the long
    options of ``parallax solve`` with underscores (``length``, ``batch``,
    ``sigma2``, ``reference``, ``grad``, ...). Returns a SolveResult: the
    record (iterations, residual history, errors, timings) and the states.
    """
    if inputs is not None:
        if not isinstance(inputs, _np.ndarray):
            raise TypeError(f"solve: inputs must be a numpy array, not {type(inputs).__name__}")
        if inputs.dtype != _np.float64:
            raise ValueError(f"inputs: dtype {inputs.dtype}; give float64 (inputs.astype(numpy.float64))")
        if not inputs.flags.c_contiguous:
            raise ValueError("inputs: not C-contiguous; pass numpy.ascontiguousarray(inputs)")
    kwargs = dict(options)
    kwargs.update(method=method, precision=str(precision), tol=tol, max_iter=max_iters, init=init,
                  threads=_threads(threads))
    record, states = _core.solve(cell, inputs, kwargs, bool(keep_states))
    return SolveResult(record, states)


def classify(
    *,
    regex: Optional[str] = None,
    automaton: Optional[Union[str, "_os.PathLike[str]", dict]] = None,
    language: Optional[str] = None,
    alphabet: Optional[str] = None,
    max_monoid: int = 1_000_000,
    cayley: Optional[Union[str, "_os.PathLike[str]"]] = None,
) -> dict:
    """The syntactic monoid of a regular language, its circuit class and each architecture's prediction.

    Exactly one of ``regex`` (one character per symbol; ``alphabet`` its
    symbols as a string), ``automaton`` (a DFA or NFA file, docs/automata-json.md,
    or the dict of its JSON form) or ``language`` (a built-in name, e.g. ``parity``, ``word:S5``). Returns
    the record of ``parallax classify --json``: monoid_size, groups, class,
    aperiodic, predictions, ... ``cayley`` also writes the monoid's right
    Cayley graph as Graphviz DOT. A malformed regex raises RegexError with
    its ``position``.
    """
    automaton_json = _json.dumps(automaton) if isinstance(automaton, dict) else ""
    automaton_path = "" if isinstance(automaton, dict) else _fspath(automaton)
    return _core.classify(language or "", automaton_path, automaton_json, regex or "", alphabet or "",
                          int(max_monoid), _fspath(cayley))


def equivalent(a: str, b: str, *, alphabet: Optional[str] = None) -> dict:
    """Whether two regular languages are equal, with a shortest counterexample when not.

    Each side is a built-in language, a DFA or NFA file, or ``re:REGEX``.
    Returns the record of ``parallax equivalent --json``.
    """
    return _core.equivalent(_fspath(a), _fspath(b), alphabet or "")


def _fspath(x) -> str:
    if x is None:
        return ""
    return _os.fspath(x)


def solve_gradients(
    cell: Model,
    inputs: _np.ndarray,
    *,
    states: Optional[_np.ndarray] = None,
    grad_states: Optional[_np.ndarray] = None,
    method: str = "implicit",
    threads: Optional[int] = None,
) -> dict:
    """Gradients of a loss L(h_1, ..., h_T) with respect to the inputs, the initial state and the parameters.

    ``cell`` is a Model of kind 'cell'; ``inputs`` float64 of shape (T, m);
    ``states`` the solved states (T, n) (None: solved here by Newton's
    method); ``grad_states`` dL/dh of shape (T, n) (None: ones, i.e.
    L = sum of all states). ``method="implicit"`` differentiates at the
    solution (the adjoints by one parallel scan backwards in time, then each
    step's vector-Jacobian products), ``"bptt"`` backpropagates through the
    sequential recurrence (the reference). Returns a dict with ``dx`` (T, m),
    ``dh0`` (n,) and ``dparams`` (parameter name -> array of its shape).
    """
    if not isinstance(cell, Model):
        raise TypeError(f"solve_gradients: cell must be a parallax.Model, not {type(cell).__name__}")
    inputs = _float64_matrix(inputs, "inputs")
    if states is None:
        states = solve(cell, inputs, method="newton", threads=threads).states[0]
    states = _float64_matrix(states, "states")
    if grad_states is None:
        grad_states = _np.ones_like(states)
    grad_states = _float64_matrix(grad_states, "grad_states")
    return _core.solve_gradients(cell, inputs, states, grad_states, method, _threads(threads))


def _float64_matrix(x, name: str) -> _np.ndarray:
    if not isinstance(x, _np.ndarray):
        raise TypeError(f"{name}: a numpy array, not {type(x).__name__}")
    if x.dtype != _np.float64:
        raise ValueError(f"{name}: dtype {x.dtype}; give float64 ({name}.astype(numpy.float64))")
    if x.ndim != 2:
        raise ValueError(f"{name}: shape {x.shape}; give a 2-D array (T, ...)")
    if not x.flags.c_contiguous:
        raise ValueError(f"{name}: not C-contiguous; pass numpy.ascontiguousarray({name})")
    return x
