#pragma once
// The reduction runner: for a problem and one of its constructions, per
// length n and precision, generate trials (half yes, half no), reduce each to
// the construction's model and tokens, decide it sequentially and by the
// parallel scan, and compare with the reference solver. Trial k of length n
// uses the seed trial_seed(seed, n, k), so a failing trial is reproduced by
// `parallax problems --example P --n N --seed SEED`; results do not depend
// on the number of jobs.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "experiment/recognize.hpp"
#include "numeric/precision.hpp"
#include "reductions/problem.hpp"

namespace parallax::experiment {

struct ReduceOptions {
  std::string construction;
  std::vector<std::size_t> lengths;
  std::vector<numeric::Precision> precisions;
  std::size_t trials = 20;
  std::uint64_t seed = 1;
  int jobs = 1;
  bool min_bits = false;
  MinBitsSearch search;
  bool check_scan = true;
};

struct ReduceRecord {
  std::string problem, construction;
  std::size_t length = 0;
  std::string precision;
  std::size_t trials = 0, yes_trials = 0, correct = 0, undecided = 0, scan_agree = 0;
  bool scan_checked = false;
  bool overflow = false;
  std::optional<std::uint64_t> first_failing_seed;  ///< the generator seed of the first failing trial
  double ns_per_token = 0;
  double accuracy() const { return trials ? double(correct) / double(trials) : 0.0; }
};

struct ReduceReport {
  std::vector<ReduceRecord> records;
  std::vector<MinBitsRecord> min_bits;
};

/// The generator seed of trial k at length n.
std::uint64_t trial_seed(std::uint64_t seed, std::size_t n, std::size_t k);

ReduceReport reduce(const reductions::Problem& problem, const ReduceOptions& o,
                    void (*progress)(const std::string&) = nullptr);

}  // namespace parallax::experiment
