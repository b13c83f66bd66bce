#pragma once
// What the theory predicts for each cell of the expressivity table: a row (a
// decision problem of `parallax reduce` or a language of `parallax recognize`)
// against an architecture column (diagonal LRNNs, PD, DPLR, dense LRNNs,
// nonlinear RNNs, transformers).
//
// Regular rows are predicted from the algebra of their syntactic monoid
// (automata/predict.hpp, extended here by the complex-diagonal and dense
// columns); the non-regular problems from their complexity class and the
// theorem that places each architecture in a class (TC0 for diagonal SSMs and
// transformers, NC1 for PD-LRNNs, PNC1 for every LRNN). Every prediction names
// its source, or says that no theorem applies: the report compares these with
// the measurements and lists every disagreement.
#include <optional>
#include <string>
#include <vector>

#include "automata/classify.hpp"
#include "automata/dfa.hpp"
#include "automata/taxonomy.hpp"

namespace parallax::report {

/// The columns of the expressivity table are the automata::Architecture
/// values (automata/taxonomy.hpp), in that order.
///
/// The column of a record: the architecture that the construction of a
/// problem (`reduce --construction`, `problem` true) or the compiled model
/// (`recognize --model`) declares; nullopt for a problem, construction or
/// model that Parallax does not know.
std::optional<automata::Architecture> column_of(bool problem, const std::string& row, const std::string& construction);

struct Prediction {
  /// "yes", "yes, with several layers", "yes (with polynomial precision)",
  /// "no", "no unless TC0 = NC1" (and the like), or "no theorem applies".
  std::string verdict;
  std::string reason;
  std::string citation;  ///< "-" when no theorem applies
  /// false when the claim needs a construction the single-layer models that
  /// Parallax measures do not have (several layers): a measured failure
  /// then neither confirms nor refutes it.
  bool covers_one_layer = true;
};

/// What a row is, as far as the theory is concerned.
struct RowInfo {
  std::string name;
  bool is_problem = false;   ///< a reductions problem (else a language)
  std::optional<automata::ComplexityClass> complexity;  ///< none when it cannot be determined
  std::string family;        ///< the problem family ("word:G", "imm3:pos", …) or "language"
  bool regular = false;      ///< a regular language with a minimal DFA below
  automata::Dfa dfa;         ///< minimal (when regular)
  std::optional<automata::MonoidSummary> summary;  ///< when the monoid was small enough to enumerate
  std::string note;          ///< why something could not be determined
};

/// Classifies a row name: a problem of reductions::make_problem when
/// `prefer_problem` and the name is one, else a built-in language
/// (automata::language) or a DFA/NFA file; otherwise no complexity.
/// Never throws.
RowInfo describe_row(const std::string& name, bool prefer_problem = true);

/// The prediction for one cell.
Prediction predict(const RowInfo& row, automata::Architecture column);
/// The same for a row name (a problem if it is one, else a language).
Prediction predict(const std::string& row, automata::Architecture column);
/// "unknown" for no class, else the class's name.
std::string class_text(const std::optional<automata::ComplexityClass>& c);

/// "agrees", "DISAGREES" or "—" (em dash) for a measured verdict
/// ("succeeds", "fails", "not measured") against a prediction.
std::string agreement(const std::string& measured, const Prediction& p);

}  // namespace parallax::report
