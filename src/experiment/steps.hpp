#pragma once
// Per-position outputs of a compiled model, for stepwise problems
// (reductions/problem.hpp: ProblemInfo::steps, Problem::solve_steps): what
// `parallax reduce` compares with the reference label after every position.
//
// How a model's output after position t is read depends on its state:
//   state     the state is one-hot over the states of a DFA (pd; householder
//             on a group automaton; Encoding::state_labels not empty): the
//             label is state_labels[i] for the coordinate i that is certainly
//             the largest of h_t (h_t[i] − h_t[j] > 0 for every j ≠ i, so
//             intervals must separate). The full label is checked.
//   decision  any other LRNN or ReLU RNN: the verdict of the readout
//             ⟨c, h_t⟩ + c0 after every prefix, compared with the decision the
//             reference labels imply (Problem::step_answer). Only what the
//             model's readout says is checked: a rotation that lands on the
//             wrong residue ≠ 0 is not caught until it says "divisible".
//   none      a transformer: its weights are built for one input length n
//             and it reads out at the last position only, so it has no
//             output per position; only its final decision is checked.
// Both readouts run at every precision, sequentially or by the parallel scan,
// and keep O(d) state however long the input (the states are read as they
// are computed, models::run_lrnn_each).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automata/compile.hpp"
#include "models/model.hpp"
#include "numeric/context.hpp"
#include "numeric/precision.hpp"

namespace parallax::experiment {

enum class StepReadout { None, State, Decision };

/// "none", "state", "decision": the reduce record's `step_check`.
std::string to_string(StepReadout r);

/// The readout of a model with these state labels (see above). Throws
/// std::invalid_argument when state labels are given for a model that is
/// not an LRNN of their width (a construction that claims a one-hot state it
/// does not have).
StepReadout step_readout(const automata::CompiledModel& model, const std::vector<std::int64_t>& state_labels);

/// An output per position that no label has: an undecided verdict or no
/// certainly largest coordinate (a tie, NaN, overlapping intervals).
inline constexpr std::int64_t kNoStepOutput = -1;

struct StepOutputs {
  models::Verdict verdict = models::Verdict::Undecided;  ///< the final decision, as decide() gives it
  std::optional<double> score;                            ///< its readout score
  /// Per position t = 0 … n−1 (after token t): the state's label (state), or
  /// 1 accept / 0 reject (decision); kNoStepOutput when there is none.
  std::vector<std::int64_t> outputs;
};

/// Runs the model on `word` at precision p (sequentially or by the parallel
/// scan) and reads its output after every token with step_readout(model,
/// state_labels), which must not be None. Raised flags go to `status` (may be
/// null), as with decide().
StepOutputs step_outputs(const automata::CompiledModel& model, const std::vector<std::uint32_t>& word,
                         const std::vector<std::int64_t>& state_labels, const numeric::Precision& p, bool parallel,
                         numeric::Status* status = nullptr);

}  // namespace parallax::experiment
