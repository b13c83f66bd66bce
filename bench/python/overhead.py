"""The Python package's overhead, measured in one run against the command line.

1. Throughput, two pairs over the same work at n = 2^26 (threads as given):
   - parallax.scan on the fp32 diagonal model 'parity' (a uint32 token array,
     read in place, parallel) against the model-parity-fp32 parallel-scan
     figure of `parallax bench scan` (models::run_lrnn on as many tokens);
   - parallax.affine_scan on fp32 arrays against the affine-fp32 simd-scan
     figure (the same kernel).
   The command and the package are measured in alternating rounds (each the
   best of --repeats runs), so that a slow spell of the shared machine hits
   both; the ratio reported is best against best over every round, with the
   per-round ratios beside it. Target: the package within 5 % of the command.
2. Call overhead at n = 16: the mean time per call of parallax.affine_scan and
   of parallax.scan (fp32, the parity model, 16 tokens), kernel included, so
   an upper bound on the overhead; target: under 20 µs.

Usage: python bench/python/overhead.py [--n N] [--threads T] [--repeats R] [--rounds K] [--parallax PATH]
Prints one JSON object.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

import parallax


def best_of(repeats, fn):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def cli_figures(args):
    """The two figures of one `parallax bench scan` run (best of --repeats each)."""
    p = subprocess.run([args.parallax, "bench", "scan", "--json", "--n-scalar", str(args.n), "--n-struct", "1024",
                        "--n-exact", "16", "--threads", str(args.threads), "--repeats", str(args.repeats)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("overhead.py: `parallax bench scan` failed:\n" + p.stderr)
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]

    def pick(bench, variant):
        hit = [r for r in rows if r["bench"] == bench and r["variant"] == variant and r["threads"] == args.threads]
        if not hit:
            sys.exit(f"overhead.py: no {bench} {variant} figure at {args.threads} threads in `parallax bench scan`")
        return hit[0]["seconds"]

    return pick("model-parity-fp32", "parallel-scan"), pick("affine-fp32", "simd-scan")


def per_call(calls, fn):
    for _ in range(100):
        fn()
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1 << 26)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure in each round; the best counts")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of the command and the package")
    ap.add_argument("--calls", type=int, default=20000, help="calls of the n = 16 overhead figures")
    ap.add_argument("--parallax", default=os.environ.get("PARALLAX") or shutil.which("parallax"))
    args = ap.parse_args()
    if not args.parallax:
        sys.exit("overhead.py: no parallax command (give --parallax or put it on PATH)")
    if args.n < 16 or args.rounds < 1 or args.repeats < 1:
        sys.exit("overhead.py: --n must be at least 16, --rounds and --repeats at least 1")

    rng = np.random.default_rng(1)
    model = parallax.models.named("parity")
    tokens = rng.integers(0, len(model.alphabet), args.n, dtype=np.uint32)
    a = rng.uniform(-0.99, 0.99, args.n).astype(np.float32)
    b = rng.uniform(-1.0, 1.0, args.n).astype(np.float32)
    out = np.empty_like(a)

    rounds = []
    for _ in range(args.rounds):
        cli_model, cli_affine = cli_figures(args)
        py_model = best_of(args.repeats, lambda: parallax.scan(model, tokens, precision="fp32", parallel=True,
                                                               threads=args.threads))
        py_affine = best_of(args.repeats, lambda: parallax.affine_scan(a, b, threads=args.threads, out=out))
        rounds.append({"cli_model": cli_model, "py_model": py_model, "cli_affine": cli_affine, "py_affine": py_affine})

    def pair(cli_key, py_key):
        cli = min(r[cli_key] for r in rounds)
        py = min(r[py_key] for r in rounds)
        per_round = [r[py_key] / r[cli_key] for r in rounds]
        return {"cli_seconds": cli, "python_seconds": py, "python_over_cli": py / cli,
                "per_round": [round(x, 4) for x in per_round], "median_per_round": statistics.median(per_round),
                "within_5_percent": py <= 1.05 * cli}

    a16, b16, o16 = a[:16].copy(), b[:16].copy(), np.empty(16, dtype=np.float32)
    affine16 = per_call(args.calls, lambda: parallax.affine_scan(a16, b16, threads=1, out=o16))
    tokens16 = [i % 2 for i in range(16)]
    scan16 = per_call(args.calls, lambda: parallax.scan(model, tokens16, precision="fp32", parallel=False))

    print(json.dumps({
        "n": args.n,
        "threads": args.threads,
        "rounds": args.rounds,
        "repeats": args.repeats,
        "scan_parity_fp32": pair("cli_model", "py_model"),
        "affine_scan_fp32": pair("cli_affine", "py_affine"),
        "rounds_seconds": rounds,
        "affine_scan_n16_us_per_call": affine16 * 1e6,
        "scan_parity_n16_us_per_call": scan16 * 1e6,
        "overhead_under_20us": max(affine16, scan16) * 1e6 < 20,
    }, indent=1))


if __name__ == "__main__":
    main()
