"""The package against the library's own independent references: exact runs,
sequential runs, the command line's JSON, numpy's own loop."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from fractions import Fraction

import numpy as np
import pytest

import parallax


def test_version_matches_the_command(cli):
    assert parallax.__version__.count(".") == 2
    p = cli("--version")
    assert p.returncode == 0
    assert parallax.__version__ in p.stdout


def test_precision_parses_resolves_and_refuses():
    p = parallax.Precision("log:2")
    assert not p.resolved
    r = p.resolve(1024)
    assert r.resolved and str(r) == "float:20:0" and r.significand_bits == 20
    assert parallax.Precision("fp32").significand_bits == 24
    assert parallax.Precision("bf16") == parallax.Precision("bf16")
    with pytest.raises(ValueError, match="fq32"):
        parallax.Precision("fq32")
    forms = parallax.precisions()
    assert any(f["syntax"].startswith("float:") for f in forms)
    assert all(set(f) == {"syntax", "example", "description"} for f in forms)


def test_model_dict_round_trip_and_kinds(tmp_path):
    m = parallax.models.named("parity")
    assert m.kind == "lrnn" and m.has_readout
    d = m.to_dict()
    back = parallax.load_model(d)
    assert back.to_dict() == d
    path = tmp_path / "parity.json"
    path.write_text(json.dumps(d))
    assert parallax.load_model(path).to_dict() == d
    cell = parallax.models.random_cell("gru", 3, 2, seed=4)
    assert cell.kind == "cell" and not cell.has_readout and cell.state_size == 3
    assert parallax.load_model(cell.to_dict()).to_dict() == cell.to_dict()
    names = [x["name"] for x in parallax.models.list()]
    assert "parity" in names and "s5" in names


def test_model_errors_name_the_field():
    with pytest.raises(ValueError, match="d_model"):
        parallax.load_model({"name": "nothing"})
    with pytest.raises(ValueError, match="<dict>"):
        parallax.load_model({"structure": "diagonal", "d": "two"})
    with pytest.raises(ValueError):
        parallax.models.named("no-such-model")
    with pytest.raises(TypeError):
        parallax.load_model(42)


def test_scan_agrees_exact_vs_float_and_parallel_vs_sequential():
    m = parallax.models.named("parity")  # accepts an even number of b
    word = "abbab"
    exact = parallax.scan(m, word, precision="exact", parallel=False)
    assert exact.verdict == "reject"  # three b
    assert [str(f) for f in exact.state_fractions] == exact.state_exact
    assert all(isinstance(f, Fraction) for f in exact.state_fractions)
    with pytest.raises(ValueError, match="exact"):
        parallax.scan(m, word, precision="fp64").state_fractions
    for prec in ("fp64", "fp32", "float:12:8"):
        for parallel in (False, True):
            r = parallax.scan(m, word, precision=prec, parallel=parallel)
            assert r.verdict == exact.verdict
            assert np.allclose(r.state, [float(Fraction(x)) for x in exact.state_exact], atol=1e-3)
    # the same word as names and as indices
    idx = [m.alphabet.index(c) for c in word]
    assert np.array_equal(parallax.scan(m, list(word)).state, parallax.scan(m, idx).state)
    assert np.array_equal(parallax.scan(m, np.array(idx, dtype=np.int64)).state, parallax.scan(m, idx).state)
    # a uint32 array is read in place, a strided one converted first: the same states either way
    rng = np.random.default_rng(7)
    long = rng.integers(0, 2, 4001, dtype=np.uint32)
    for parallel in (False, True):
        ref = parallax.scan(m, long.astype(np.int64), precision="fp64", parallel=parallel)
        for arr in (long, long[::2].repeat(2)[:4001], np.asfortranarray(long)):
            assert np.array_equal(parallax.scan(m, arr, precision="fp64", parallel=parallel, threads=2).state,
                                  parallax.scan(m, arr.astype(np.int64), precision="fp64", parallel=False).state)
        assert ref.verdict == ("accept" if int(long.sum()) % 2 == 0 else "reject")
    strided = long[::3]
    assert not strided.flags.c_contiguous
    assert parallax.scan(m, strided).verdict == ("accept" if int(strided.sum()) % 2 == 0 else "reject")
    assert parallax.scan(m, "aabb").verdict == "accept"


def test_scan_refuses_bad_tokens():
    m = parallax.models.named("parity")
    with pytest.raises(ValueError, match=r"tokens\[1\]"):
        parallax.scan(m, ["a", "z"])
    with pytest.raises(ValueError, match=r"tokens\[0\]"):
        parallax.scan(m, [7])
    with pytest.raises(ValueError, match=r"tokens\[2\]"):
        parallax.scan(m, np.array([0, 1, 5], dtype=np.uint8))
    with pytest.raises(ValueError, match=r"tokens\[0\]"):
        parallax.scan(m, np.array([-1], dtype=np.int32))
    with pytest.raises(ValueError, match="position 3 is outside the alphabet"):
        parallax.scan(m, np.array([0, 1, 1, 9], dtype=np.uint32))  # read in place: the run itself checks
    t = parallax.models.named("s5")
    with pytest.raises(ValueError, match="position 1"):
        parallax.scan(t, np.array([0, 2], dtype=np.uint32), parallel=True)
    with pytest.raises(ValueError, match="1-D integer"):
        parallax.scan(m, np.zeros((2, 2), dtype=np.int32))
    with pytest.raises(ValueError):
        parallax.scan(m, "ab", precision="nope")


def test_scan_matches_the_command_line(cli):
    word = "s c s s c s c"
    p = cli("scan", "--model", "s5", "--tokens", word, "--precision", "exact", "--json")
    assert p.returncode == 0, p.stderr
    rec = json.loads(p.stdout)
    r = parallax.scan(parallax.models.named("s5"), word, precision="exact", parallel=False)
    assert r.verdict == rec["verdict"]
    assert r.state_exact[: len(rec["state"])] == rec["state"]


def test_affine_scan_matches_the_loop():
    rng = np.random.default_rng(1)
    n = 100_003
    for dtype, tol in ((np.float32, 1e-3), (np.float64, 1e-10)):
        a = rng.uniform(-0.99, 0.99, n).astype(dtype)
        b = rng.standard_normal(n).astype(dtype)
        h = parallax.affine_scan(a, b, h0=0.5, threads=2)
        assert h.dtype == dtype and h.shape == (n,)
        ref = np.empty(n, dtype=np.float64)
        x = 0.5
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        for t in range(n):
            x = a64[t] * x + b64[t]
            ref[t] = x
        assert np.max(np.abs(h - ref)) < tol
        out = np.empty_like(a)
        assert parallax.affine_scan(a, b, h0=0.5, out=out) is out


def test_affine_scan_refuses_wrong_arrays():
    a = np.ones(8, dtype=np.float32)
    with pytest.raises(ValueError, match="dtype"):
        parallax.affine_scan(a, np.ones(8, dtype=np.float64))
    with pytest.raises(ValueError, match="int64"):
        parallax.affine_scan(np.ones(8, dtype=np.int64), np.ones(8, dtype=np.int64))
    with pytest.raises(ValueError, match="C-contiguous"):
        parallax.affine_scan(np.ones(16, dtype=np.float32)[::2], a)
    with pytest.raises(ValueError, match="1-D"):
        parallax.affine_scan(np.ones((2, 4), dtype=np.float32), np.ones((2, 4), dtype=np.float32))
    with pytest.raises(ValueError):
        parallax.affine_scan(a, np.ones(7, dtype=np.float32))
    with pytest.raises(ValueError, match="threads"):
        parallax.affine_scan(a, a, threads=-1)


def test_solve_reproduces_the_sequential_run():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((200, 2))
    r = parallax.solve("gru", x, method="newton", hidden=4, seed=3, gain=0.5)
    assert r.converged
    assert r.states.shape == (1, 200, 4)
    assert r.max_error_vs_sequential < 1e-10
    seq = parallax.solve("gru", x, method="sequential", hidden=4, seed=3, gain=0.5)
    assert np.max(np.abs(r.states - seq.states)) < 1e-10
    assert r.record["length"] == 200 and r.record["cell"] == "gru"
    # a cell value gives the same states as its kind with the same seed
    cell = parallax.models.random_cell("gru", 4, 2, seed=3, gain=0.5)
    rv = parallax.solve(cell, x, method="newton")
    assert np.array_equal(rv.states, r.states)
    # batches
    xb = rng.standard_normal((3, 50, 2))
    rb = parallax.solve(cell, xb, method="deer")
    assert rb.states.shape == (3, 50, 4)


def test_solve_matches_the_command_line(cli, tmp_path):
    x = np.random.default_rng(5).standard_normal((64, 2))
    path = tmp_path / "x.npy"
    np.save(path, x)
    p = cli("solve", "--cell", "paragru", "--hidden", "3", "--seed", "2", "--inputs", str(path), "--method", "quasi-deer",
            "--json")
    assert p.returncode == 0, p.stderr
    rec = json.loads(p.stdout)
    r = parallax.solve("paragru", x, method="quasi-deer", hidden=3, seed=2)
    for k in ("iterations", "converged", "residual_history", "max_error_vs_sequential", "precision", "tol"):
        assert r.record[k] == rec[k], k


def test_solve_errors_name_the_option():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="method"):
        parallax.solve("gru", x, method="nope")
    with pytest.raises(ValueError, match="float64"):
        parallax.solve("gru", x.astype(np.float32))
    with pytest.raises(ValueError, match="width 3|shape"):
        parallax.solve("gru", np.zeros((10, 3)), input_size=2)
    with pytest.raises(ValueError, match="not finite"):
        parallax.solve("gru", np.full((10, 2), np.nan))
    with pytest.raises(ValueError, match="cell"):
        parallax.solve(parallax.models.named("parity"), x)
    with pytest.raises(ValueError, match="tol"):
        parallax.solve("gru", x, tol=2.0)


def test_solve_gradients_implicit_agree_with_backprop_and_finite_differences():
    rng = np.random.default_rng(7)
    cell = parallax.models.random_cell("gru", 3, 2, seed=1, gain=0.6)
    x = rng.standard_normal((40, 2))
    g = rng.standard_normal((40, 3))
    imp = parallax.solve_gradients(cell, x, grad_states=g)
    ref = parallax.solve_gradients(cell, x, grad_states=g, method="bptt")
    assert imp["dx"].shape == (40, 2) and imp["dh0"].shape == (3,)
    assert np.max(np.abs(imp["dx"] - ref["dx"])) < 1e-10
    assert set(imp["dparams"]) == set(ref["dparams"]) and imp["dparams"]
    for k in imp["dparams"]:
        assert np.max(np.abs(imp["dparams"][k] - ref["dparams"][k])) < 1e-10
    # an independent check: central differences of L = <g, H(x)> in one input entry
    def loss(xx):
        return float(np.sum(g * parallax.solve(cell, xx, method="sequential").states[0]))
    eps = 1e-6
    xp, xm = x.copy(), x.copy()
    xp[5, 1] += eps
    xm[5, 1] -= eps
    assert abs((loss(xp) - loss(xm)) / (2 * eps) - imp["dx"][5, 1]) < 1e-6


def test_solve_gradients_refuse_wrong_shapes():
    cell = parallax.models.random_cell("gru", 3, 2, seed=1)
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="states"):
        parallax.solve_gradients(cell, x, states=np.zeros((10, 4)))
    with pytest.raises(ValueError, match="method"):
        parallax.solve_gradients(cell, x, method="magic")
    with pytest.raises(ValueError, match="float64"):
        parallax.solve_gradients(cell, x.astype(np.float32))
    with pytest.raises(TypeError):
        parallax.solve_gradients("gru", x)


def test_scan_real_inputs_matches_numpy():
    # h_t = (1/2 + x_t/4) h_{t-1} + x_t, readout h - 1/10, input_dim 1
    model = parallax.load_model({
        "structure": "diagonal", "d": 1, "input_dim": 1,
        "inputs": [{"a": ["1/2"], "b": [0]}, {"a": ["1/4"], "b": [1]}],
        "readout": {"c": [1], "c0": "-1/10"},
    })
    x = np.random.default_rng(3).uniform(-1, 1, (257, 1))
    h = 0.0
    for t in range(x.shape[0]):
        h = (0.5 + 0.25 * x[t, 0]) * h + x[t, 0]
    for parallel in (False, True):
        r = parallax.scan(model, inputs=x, precision="fp64", parallel=parallel)
        assert abs(r.state[0] - h) < 1e-12
        assert r.verdict == ("accept" if h > 0.1 else "reject")
    exact = parallax.scan(model, inputs=x, precision="exact")
    assert abs(float(Fraction(exact.state_exact[0])) - h) < 1e-12
    with pytest.raises(ValueError, match="exactly one"):
        parallax.scan(model)
    with pytest.raises(ValueError, match="values per step"):
        parallax.scan(model, inputs=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="reads tokens"):
        parallax.scan(parallax.models.named("parity"), inputs=np.zeros((4, 1)))


def test_scan_keeps_every_state_parallel_equal_to_prefix_runs():
    m = parallax.models.named("s5")
    rng = np.random.default_rng(11)
    tokens = rng.integers(0, len(m.alphabet), 300)
    for prec in ("fp64", "fp32"):
        seq = parallax.scan(m, tokens, precision=prec, parallel=False, states=True)
        par = parallax.scan(m, tokens, precision=prec, parallel=True, threads=2, states=True)
        assert seq.states.shape == (300, m.state_size)
        # the last row is the final state; every row is the final state of the prefix run
        assert np.array_equal(seq.states[-1], seq.state)
        for t in (0, 1, 17, 150, 299):
            prefix = parallax.scan(m, tokens[: t + 1], precision=prec, parallel=False)
            assert np.array_equal(seq.states[t], prefix.state)
            assert seq.scores[t] == prefix.score
        # S5's PD maps are exact in floats: the parallel scan gives the same states
        assert np.array_equal(par.states, seq.states)
        assert np.array_equal(par.scores, seq.scores)
    assert parallax.scan(m, tokens).states is None
    with pytest.raises(ValueError, match="fp32 and fp64"):
        parallax.scan(m, tokens, precision="exact", states=True)


def test_scan_states_of_real_inputs_match_numpy():
    model = parallax.load_model({
        "structure": "diagonal", "d": 1, "input_dim": 1,
        "inputs": [{"a": ["1/2"], "b": [0]}, {"a": ["1/4"], "b": [1]}],
    })
    x = np.random.default_rng(4).uniform(-1, 1, (1000, 1))
    h, ref = 0.0, []
    for t in range(x.shape[0]):
        h = (0.5 + 0.25 * x[t, 0]) * h + x[t, 0]
        ref.append(h)
    r = parallax.scan(model, inputs=x, precision="fp64", parallel=True, threads=2, states=True)
    assert np.max(np.abs(r.states[:, 0] - np.array(ref))) < 1e-12
    assert r.scores is None  # no readout


ONE_LONG_CALL = textwrap.dedent("""
    import sys, time, numpy as np, parallax
    what = sys.argv[1]
    if what == "scan":  # exact PD d = 120 compositions: tens of seconds
        model = parallax.models.named("s5")
        tokens = np.random.default_rng(1).integers(0, 2, 1 << 21, dtype=np.uint32)
        call = lambda: parallax.scan(model, tokens, precision="exact", parallel=True, threads=2)
    elif what == "scan-sequential":
        model = parallax.models.named("s5")
        tokens = np.random.default_rng(1).integers(0, 2, 1 << 21, dtype=np.uint32)
        call = lambda: parallax.scan(model, tokens, precision="exact", parallel=False)
    else:  # a dense-Jacobian Newton solve: several seconds per iteration
        x = np.random.default_rng(2).standard_normal((40000, 2))
        call = lambda: parallax.solve("gru", x, hidden=32, method="deer", precision="fp64", threads=2)
    print("started", flush=True)
    t0 = time.monotonic()
    try:
        call()
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
    print("finished", time.monotonic() - t0, flush=True)
""")


@pytest.mark.parametrize("what", ["scan", "scan-sequential", "solve"])
def test_ctrl_c_stops_one_long_call(what):
    """KeyboardInterrupt within about a second of Ctrl-C, inside one scan or one solve (not only between units)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.Popen([sys.executable, "-c", ONE_LONG_CALL, what], stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.5)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    took = time.monotonic() - sent
    assert p.returncode == 3 and out.strip() == "interrupted", out
    assert took < 3, f"{what} went on {took:.1f} s after Ctrl-C"
