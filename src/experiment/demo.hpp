#pragma once
// The experiment behind `parallax demo`: the S5 word problem (NC1-complete,
// Barrington 1989) recognized by one-layer LRNNs at several precisions,
// checked against plain permutation composition. The permutation-diagonal
// LRNN (Terzić et al. 2025) is exact at any precision that holds 0 and 1; the
// Householder-product DPLR LRNN (Grazzi et al. ICLR 2025) needs enough bits
// for its readout margin.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiment/options.hpp"

namespace parallax::experiment::demo {

struct Options {
  std::vector<std::size_t> lengths{16, 256, 2048};
  std::vector<std::string> precisions{"exact", "fp64", "fp32", "bf16", "fp16", "float:4:3", "fixed:4.0", "interval:8", "log:1"};
  std::vector<std::string> models{"s5", "s5-householder"};  ///< named models or LRNN JSON files reading s, c
  std::size_t trials = 20;  ///< words per length, half of them multiplying to the identity
  std::uint64_t seed = 1;   ///< of the random words
  int threads = 0;          ///< of the parallel scan (0: all)

  /// The sizes of the options, before anything is computed: every length
  /// from 1 to limits::kMaxLength and at most limits::kMaxSweepPoints of
  /// them, trials up to limits::kMaxTrials, threads up to
  /// limits::kMaxThreads; the words, all held at once, within the memory
  /// limit; the token evaluations within limits::kMaxSweepTokens (the demo
  /// has no --allow-long: hours of work are a typo); and the precisions
  /// parse. OptionError (naming --lengths or --precisions) or limits::LimitError.
  void validate() const;
};

/// One model at one precision and one length.
struct Row {
  std::string model;
  std::string structure;  ///< models::to_string
  std::string precision;  ///< the spec, and "SPEC = FORMAT" where it resolves at the length (log:C)
  std::size_t n = 0;
  std::size_t trials = 0;
  std::size_t correct_sequential = 0, correct_parallel = 0;
  std::size_t undecided = 0;        ///< sequential runs whose sign is unknown (intervals)
  std::vector<std::string> events;  ///< numeric::Status events of the runs
  double seconds = 0;
};

struct Result {
  std::vector<Row> rows;
  /// An exact format's sequential and parallel decisions differed somewhere (a bug).
  bool sequential_parallel_disagree = false;
};

/// Validates, resolves the models (OptionError naming --models for an
/// unknown model or one that does not read [s, c] with a readout), draws
/// the balanced words and runs every model at every precision and length,
/// sequentially and by the parallel scan. progress(what) before each row.
Result run(const Options& o, const std::function<void(const std::string& what)>& progress = {});

}  // namespace parallax::experiment::demo
