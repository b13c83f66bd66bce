#pragma once
// What the theory predicts about recognizing a regular language with each
// architecture, from its minimal DFA and the algebra of its syntactic monoid.
// Every entry names the theorem it comes from, or says that none applies.
#include <string>
#include <vector>

#include "automata/classify.hpp"
#include "automata/dfa.hpp"
#include "automata/taxonomy.hpp"

namespace parallax::automata {

struct Prediction {
  /// Named by names(architecture).prediction_key and .prediction_label.
  Architecture architecture;
  std::string verdict;       ///< "yes", "no", "no unless TC0 = NC1", "no theorem applies", …
  std::string reason;        ///< why, with the construction's size where there is one
  std::string citation;      ///< the theorem or paper
};

/// Transformer, Diag01, Diag11, Pd, Dplr and Rnn, in this order.
std::vector<Prediction> predict(const Dfa& minimal_dfa, const MonoidSummary& summary);

}  // namespace parallax::automata
