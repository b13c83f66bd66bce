// The built-in suite of `parallax run` (printed by --print-default-suite).
// One row of the expressivity table per problem or language, one entry per
// architecture measured on it; then circuit depth sweeps and Newton solves.
#include "experiment/suite.hpp"

namespace parallax::experiment {

const std::string& default_suite_toml() {
  static const std::string text = R"toml(# The default suite of `parallax run`: the expressivity landscape of linear
# RNNs, nonlinear RNNs and transformers, measured.
#
# Each [[kind]] table is one `parallax <kind>` command; its keys are that
# command's options (see `parallax <kind> --help`). A list of lengths runs one
# experiment per length. `quick = { … }` replaces keys under --quick;
# `quick = false` leaves the entry out of --quick. `seed` and `trials` below
# are the defaults of every entry.
name = "default"
description = "Expressivity, precision, circuit depth and Newton solvers of sequence models"
seed = 1
trials = 20

# ---------------------------------------------------------------- NC1-complete
# The S5 word problem (Barrington 1989): PD-LRNNs and Householder products
# run it at constant precision; diagonal models cannot (unless TC0 = NC1).
[[reduce]]
problem = "word:S5"
construction = "pd"
lengths = "16..262144x4"
precision = ["fp32", "bf16"]
quick = { lengths = "16..16384x4", precision = "bf16" }

[[reduce]]
problem = "word:S5"
construction = "householder"
lengths = "16..1024x4"
precision = "fp32"
quick = { lengths = "16..256x4" }

[[reduce]]
problem = "word:S5"
construction = "relu-rnn"
lengths = "16..1024x4"
precision = "fp32"
quick = false

[[reduce]]
problem = "word:S5"
construction = "diag01"
lengths = "16..16384x4"
precision = "fp32"
quick = { lengths = "16..256x4" }

# A transformer with a fixed number of layers (4: windows of 2^4 letters)
# decides it up to n = 16 and is at chance beyond, at any precision: a
# constant-depth model is in TC0 (Merrill & Sabharwal 2023).
[[reduce]]
problem = "word:S5"
construction = "transformer"
lengths = "8,16,17,32,64"
precision = ["fp32", "log:2"]
trials = 10
quick = { lengths = "16,17", precision = "fp32" }

# Boolean formula value (Buss 1987) through Barrington's width-5 programs.
[[reduce]]
problem = "formula"
construction = "pd"
lengths = "1..4+1"
precision = "fp32"
quick = { lengths = "1..3+1" }

# ------------------------------------------------------------------- ACC0
# Parity: eigenvalue -1 decides it; eigenvalues in [0,1] cannot (Grazzi et al.).
[[reduce]]
problem = "parity"
construction = "diag"
lengths = "16..1048576x4"
precision = ["fp32", "bf16"]
quick = { lengths = "16..262144x4" }

[[reduce]]
problem = "parity"
construction = "diag01"
lengths = "16..65536x4"
precision = "fp32"
quick = { lengths = "16..4096x4" }

[[reduce]]
problem = "parity"
construction = "pd"
lengths = "16..65536x4"
precision = "fp32"
quick = { lengths = "16..4096x4" }

# Counting mod 3: rotations by 2*pi/3 (complex diagonal); the bits needed grow
# with log n. (Rotation entries are irrational: the exact reference score of
# each trial is a rational whose size grows with n, so lengths stay moderate.)
[[reduce]]
problem = "modcount:3"
construction = "rotation"
lengths = "16..4096x4"
precision = ["fp32", "bf16"]
min_bits = true
quick = { lengths = "16..1024x4", precision = "bf16" }

# Parity and counting mod 3 by averaging attention plus a positional lookup:
# exact over Q; the scores' gap 1/(n+1) against magnitudes ~n needs about
# 2 log2 n significand bits (log:1 fails, log:3 does not).
[[reduce]]
problem = "parity"
construction = "transformer"
lengths = "16..512x2"
precision = ["exact", "log:1", "log:3"]
min_bits = true
trials = 10
quick = { lengths = "16..64x4", precision = ["log:1", "log:3"], min_bits = false }

[[reduce]]
problem = "modcount:3"
construction = "transformer"
lengths = "16..512x2"
precision = ["exact", "log:1", "log:3"]
min_bits = true
trials = 10
quick = false

[[reduce]]
problem = "modcount:3"
construction = "diag01"
lengths = "16..4096x4"
precision = "fp32"
quick = { lengths = "16..1024x4" }

[[reduce]]
problem = "modcount:3"
construction = "pd"
lengths = "16..65536x4"
precision = "fp32"
quick = { lengths = "16..4096x4" }

# ------------------------------------------------------------------- AC0
[[recognize]]
language = "a-star-b-star"
model = "diag01"
lengths = "16..65536x4"
precision = "fp32"
quick = { lengths = "16..4096x4" }

[[recognize]]
language = "a-star-b-star"
model = "pd"
lengths = "16..65536x4"
precision = "fp32"
quick = { lengths = "16..4096x4" }

# First letter = last letter, and the induction-head copy task: hard
# attention looks the letters up; positions need about 2 log2 n bits.
[[reduce]]
problem = "first-eq-last"
construction = "transformer"
lengths = "16..1024x4"
precision = ["fp32", "bf16"]
quick = { lengths = "16..256x4", precision = "bf16" }

[[reduce]]
problem = "first-eq-last"
construction = "pd"
lengths = "16..65536x4"
precision = "fp32"
quick = { lengths = "16..4096x4" }

[[reduce]]
problem = "induction"
construction = "transformer"
lengths = "16..1024x4"
precision = ["fp32", "log:1", "log:3"]
quick = { lengths = "16..64x4", precision = ["log:1", "log:3"] }

[[reduce]]
problem = "word:Z5"
construction = "rotation"
lengths = "16..4096x4"
precision = ["fp32", "bf16"]
quick = false

# ------------------------------------------------------------------- TC0
# Threshold circuit value at depth 2, the circuit given in the input: one
# fixed 4-layer transformer follows the description (instruction following).
[[reduce]]
problem = "tcv:2"
construction = "transformer"
lengths = "4..32x2"
precision = ["fp32", "log:3"]
trials = 10
quick = { lengths = "4..8x2" }

# Majority: one counter (eigenvalue 1). A fixed precision stops counting
# (bf16 cannot add 1 to 256); log precision, the theory's regime, does not.
[[reduce]]
problem = "majority"
construction = "counter"
lengths = "16..1048576x4"
precision = ["fp32", "bf16", "log:2"]
min_bits = true
quick = { lengths = "16..65536x4", precision = ["bf16", "log:2"] }

[[reduce]]
problem = "majority"
construction = "relu-rnn"
lengths = "16..65536x4"
precision = "fp32"
quick = { lengths = "16..1024x4" }

[[reduce]]
problem = "majority"
construction = "transformer"
lengths = "16..1024x4"
precision = ["fp32", "bf16", "log:2"]
quick = { lengths = "16..256x4", precision = ["bf16", "log:2"] }

[[reduce]]
problem = "dyck1"
construction = "transformer"
lengths = "16..1024x4"
precision = ["fp32", "log:2"]
quick = { lengths = "16..256x4", precision = "log:2" }

[[reduce]]
problem = "dyck1"
construction = "relu-rnn"
lengths = "16..65536x4"
precision = ["fp32", "bf16"]
quick = { lengths = "16..1024x4", precision = "bf16" }

# --------------------------------------------------------- PNC1-complete
# Iterated 3x3 integer matrix products: DPLR and dense LRNNs, exact over Q;
# the entries grow exponentially, so the bits needed grow linearly in n.
[[reduce]]
problem = "imm3:pos"
construction = "dplr"
lengths = "8..512x2"
precision = ["exact", "fp32"]
min_bits = true
quick = { lengths = "8..64x2" }

[[reduce]]
problem = "imm3:pos"
construction = "dense"
lengths = "8..512x2"
precision = ["exact", "fp32"]
quick = { lengths = "8..64x2" }

# ------------------------------------------------------------ L-complete
# Sorted deterministic graph connectivity: a log-precision ReLU RNN (Thm 2).
[[reduce]]
problem = "dgc"
construction = "relu-rnn"
lengths = "10..10000x10"
precision = ["exact", "fp32", "log:2"]
min_bits = true
quick = { lengths = "10..1000x10", precision = ["exact", "log:2"] }

# ------------------------------------------------------------ P-complete
# Circuit value: a ReLU RNN with two stacks at polynomial precision (Thm 1).
[[reduce]]
problem = "cvp"
construction = "relu-rnn"
lengths = "4..16x2"
precision = ["exact", "fp64"]
quick = { lengths = "4..8x2", precision = "exact" }

# ------------------------------------------------------- circuit depth
# LRNNs compile to log-depth circuits; diagonal ones to constant depth with
# unbounded fan-in; a nonlinear RNN unrolls to linear depth.
# Transformers compile to constant-depth threshold circuits (TC0) with
# unbounded fan-in, to depth O(log n) with fan-in 2.
[[circuit]]
model = "transformer:random"
fanin = "unbounded"
sweep = "8..512"
quick = { sweep = "8..128" }

[[circuit]]
model = "transformer:random"
sweep = "8..512"
quick = { sweep = "8..128" }

[[circuit]]
model = "lrnn:pd:d=5"
sweep = "16..16384"
quick = { sweep = "16..1024" }

[[circuit]]
model = "lrnn:diag:d=4"
sweep = "16..16384"
quick = { sweep = "16..1024" }

[[circuit]]
model = "lrnn:diag:d=4"
fanin = "unbounded"
sweep = "16..16384"
quick = { sweep = "16..1024" }

[[circuit]]
model = "lrnn:dplr:d=4"
sweep = "16..4096"
quick = { sweep = "16..512" }

[[circuit]]
model = "lrnn:dense:d=4"
sweep = "16..4096"
quick = { sweep = "16..512" }

[[circuit]]
model = "rnn:relu:d=4"
sweep = "16..4096"
quick = { sweep = "16..512" }

# ------------------------------------------------------ Newton solvers
# ParaRNN's cells with their structured Newton, DEER / quasi-DEER on a GRU,
# and quasi-ELK on a chaotic Elman cell.
[[solve]]
cell = "paragru"
hidden = 16
method = "newton"
length = [1000, 10000, 100000, 1000000]
quick = { length = [1000, 10000] }

[[solve]]
cell = "paralstm"
hidden = 16
method = "newton"
length = [1000, 10000, 100000]
quick = { length = [1000] }

[[solve]]
cell = "gru"
hidden = 16
method = "quasi-deer"
length = [1000, 10000, 100000]
quick = { length = [1000] }

[[solve]]
cell = "gru"
hidden = 4
method = "deer"
length = [1000, 10000, 100000]
quick = { length = [1000] }

[[solve]]
cell = "elman"
hidden = 16
gain = 2.0
method = "quasi-elk"
sigma2 = 10000.0
max_iter = 5000
length = [100, 1000]
quick = false
)toml";
  return text;
}

}  // namespace parallax::experiment
