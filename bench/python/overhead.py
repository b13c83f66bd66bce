"""The Python package's overhead, measured in one run against the command line.

1. Throughput: parallax.affine_scan on the fp32 scalar recurrence of
   n = 2^26 (the simd-scan kernel, threads as given) against the simd-scan
   figure of `parallax bench scan` for the same n and threads, run in the same
   process tree one after the other; the ratio is reported (target: the
   package within 5 % of the command's figure).
2. Call overhead at n = 16: the mean time per call of parallax.affine_scan
   and of parallax.scan (fp32, the parity model, 16 tokens), kernel included,
   so an upper bound on the overhead; target: under 20 µs.

Usage: python bench/python/overhead.py [--n N] [--threads T] [--repeats R] [--parallax PATH]
Prints one JSON object.
"""
import argparse
import json
import os
import shutil
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1 << 26)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--calls", type=int, default=20000, help="calls of the n = 16 overhead figures")
    ap.add_argument("--parallax", default=os.environ.get("PARALLAX") or shutil.which("parallax"))
    args = ap.parse_args()
    if not args.parallax:
        sys.exit("overhead.py: no parallax command (give --parallax or put it on PATH)")

    # the command's figure (its own arrays: uniform a in a contractive range, normal b)
    p = subprocess.run([args.parallax, "bench", "scan", "--json", "--n-scalar", str(args.n), "--n-struct", "1024",
                        "--n-exact", "16", "--threads", str(args.threads), "--repeats", str(args.repeats)],
                       capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    cli = [r for r in rows if r["bench"] == "affine-fp32" and r["variant"] == "simd-scan" and r["threads"] == args.threads]
    if not cli:
        sys.exit("overhead.py: no affine-fp32 simd-scan figure at %d threads in `parallax bench scan`" % args.threads)
    cli_seconds = cli[0]["seconds"]

    rng = np.random.default_rng(1)
    a = rng.uniform(0.5, 0.99, args.n).astype(np.float32)
    b = rng.standard_normal(args.n).astype(np.float32)
    out = np.empty_like(a)
    py_seconds = best_of(args.repeats, lambda: parallax.affine_scan(a, b, threads=args.threads, out=out))

    # call overhead at n = 16
    a16, b16, o16 = a[:16].copy(), b[:16].copy(), np.empty(16, dtype=np.float32)
    for _ in range(100):
        parallax.affine_scan(a16, b16, threads=1, out=o16)
    t0 = time.perf_counter()
    for _ in range(args.calls):
        parallax.affine_scan(a16, b16, threads=1, out=o16)
    affine16 = (time.perf_counter() - t0) / args.calls
    model = parallax.models.named("parity")
    tokens = [i % 2 for i in range(16)]
    for _ in range(100):
        parallax.scan(model, tokens, precision="fp32", parallel=False)
    t0 = time.perf_counter()
    for _ in range(args.calls):
        parallax.scan(model, tokens, precision="fp32", parallel=False)
    scan16 = (time.perf_counter() - t0) / args.calls

    print(json.dumps({
        "n": args.n,
        "threads": args.threads,
        "cli_simd_scan_seconds": cli_seconds,
        "python_affine_scan_seconds": py_seconds,
        "python_over_cli": py_seconds / cli_seconds,
        "within_5_percent": py_seconds <= 1.05 * cli_seconds,
        "affine_scan_n16_us_per_call": affine16 * 1e6,
        "scan_parity_n16_us_per_call": scan16 * 1e6,
        "overhead_under_20us": max(affine16, scan16) * 1e6 < 20,
    }, indent=1))


if __name__ == "__main__":
    main()
