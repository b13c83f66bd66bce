#include "automata/predict.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "automata/compile.hpp"

namespace parallax::automata {

std::vector<Prediction> predict(const Dfa& dfa, const MonoidSummary& s) {
  std::vector<Prediction> out;
  const bool nc1 = s.circuit_class == ComplexityClass::NC1Complete;

  if (nc1)
    out.push_back({Architecture::Transformer, "no unless TC0 = NC1",
                   "both are in uniform TC0 and the language is NC1-complete (its monoid has a non-solvable group)",
                   "Merrill & Sabharwal, TACL 2023; Merrill, Petty & Sabharwal, ICML 2024"});
  else
    out.push_back({Architecture::Transformer, "no theorem applies",
                   fmt::format("the language is in {} (inside TC0), so the TC0 bound does not rule it out; no "
                               "construction is claimed",
                               to_string(s.circuit_class)),
                   "-"});

  // With eigenvalues in [0, 1] the state on v^k converges, so membership of
  // u v^k w is eventually constant: only aperiodic monoids fit. With real
  // eigenvalues in [−1, 1] it is eventually 2-periodic: every element's
  // period must divide 2 (the argument of Grazzi et al. for parity / mod m).
  if (s.aperiodic)
    out.push_back({Architecture::Diag01, "no theorem applies",
                   "the monoid is aperiodic, so the convergence argument does not rule it out", "-"});
  else
    out.push_back({Architecture::Diag01, "no",
                   fmt::format("the monoid has an element of period {} > 1, so membership of u v^k w must keep "
                               "changing with k, while with eigenvalues in [0,1] the state on v^k converges",
                               s.max_period),
                   "Grazzi et al., ICLR 2025, Thm 1 (parity needs an eigenvalue outside [0, inf))"});

  std::string why_group;
  const bool group = is_group_automaton(dfa, &why_group);
  if (s.max_period > 2) {
    out.push_back({Architecture::Diag11, "no",
                   fmt::format("an element of period {} (counting mod {}) needs a non-real eigenvalue: with real "
                               "eigenvalues in [-1,1] the state on v^k is eventually 2-periodic",
                               s.max_period, s.max_period),
                   "Grazzi et al., ICLR 2025, Thm 2 (mod m, m not a power of 2, needs non-real eigenvalues)"});
  } else if (group && dfa.states == 2) {
    out.push_back({Architecture::Diag11, "yes",
                   "a Z2 group language: one coordinate, eigenvalue -1 on the letters that swap the states (--model diag)",
                   "Grazzi et al., ICLR 2025 (negative eigenvalues solve parity)"});
  } else {
    out.push_back({Architecture::Diag11, "no theorem applies",
                   "every element has period 1 or 2, so the periodicity argument does not rule it out", "-"});
  }

  out.push_back({Architecture::Pd, "yes",
                 fmt::format("one layer of width |Q| = {} runs the DFA exactly with 0/1 entries (--model pd)", dfa.states),
                 "Terzic et al., NeurIPS 2025; Merrill et al., Thms 6-8"});

  if (group) {
    std::size_t most = 0;
    for (const auto& perm : dfa.delta) {
      std::size_t moved = 0;
      for (std::size_t q = 0; q < dfa.states; ++q) moved += perm[q] != q;
      most = std::max(most, moved);
    }
    out.push_back({Architecture::Dplr, "yes",
                   fmt::format("a group automaton: one layer of width {}, each letter a product of at most {} "
                               "Householder factors (k - 1 for a letter moving k states) (--model householder)",
                               dfa.states, most == 0 ? 0 : most - 1),
                   "Grazzi et al., ICLR 2025"});
  } else {
    out.push_back({Architecture::Dplr, "yes, with several layers",
                   fmt::format("not a group automaton ({}): one layer of Householder products is invertible, so "
                               "it needs several layers (Krohn-Rhodes); one DPLR layer with general rank-one factors "
                               "runs it as a 0/1 WFA (--model wfa)",
                               why_group),
                   "Grazzi et al., ICLR 2025 (several layers); Merrill et al., Thm 5 (WFA over Q)"});
  }

  out.push_back({Architecture::Rnn, "yes",
                 fmt::format("a one-hot state x letter lookup MLP of width |Q||Sigma| + 1 = {} (--model relu-rnn)",
                             dfa.states * dfa.alphabet.size() + 1),
                 "Merrill et al. (nonlinear RNNs simulate finite automata and counter machines)"});
  return out;
}

}  // namespace parallax::automata
