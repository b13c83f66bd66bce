#include "report/theory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "automata/automaton_json.hpp"
#include "automata/compile.hpp"
#include "automata/languages.hpp"
#include "automata/minimize.hpp"
#include "automata/predict.hpp"
#include "reductions/problem.hpp"

namespace parallax::report {

using automata::Architecture;
using automata::ComplexityClass;

namespace {

// Citations used more than once.
constexpr const char* kMerrill = "Merrill, Jiang, Li, Lin & Sabharwal, ICML 2026";
constexpr const char* kIllusion = "Merrill, Petty & Sabharwal, ICML 2024";
constexpr const char* kTacl = "Merrill & Sabharwal, TACL 2023";
constexpr const char* kNone = "-";

Prediction none(std::string reason) { return {"no theorem applies", std::move(reason), kNone}; }

/// The built-in language whose words are the yes-instances of a regular
/// problem (reductions/counter_problems.cpp, word_problem.cpp); empty for a
/// problem that is not one.
std::string language_of_problem(const std::string& name, const std::string& family) {
  if (family == "word:G" || family == "word:G:all" || family == "parity" || family == "first-eq-last") return name;
  // the same language as word:G:all, its letters written as permutations
  if (family == "word:G:perm") return name.substr(0, name.size() - std::string(":perm").size()) + ":all";
  if (family == "modcount:M") return "count-mod:" + name.substr(std::string("modcount:").size());
  if (family == "dyck1:K") return name;
  return {};
}

/// Whether every pair of letters commutes as a permutation of the states
/// (for a group automaton: the group the letters generate is abelian).
bool letters_commute(const automata::Dfa& d) {
  for (std::size_t x = 0; x < d.delta.size(); ++x)
    for (std::size_t y = x + 1; y < d.delta.size(); ++y)
      for (std::size_t q = 0; q < d.states; ++q)
        if (d.delta[x][d.delta[y][q]] != d.delta[y][d.delta[x][q]]) return false;
  return true;
}

/// Diagonal SSMs with non-negative gates recognize exactly the star-free
/// (aperiodic) languages, as cascades of set-reset layers: several layers.
Prediction star_free(const std::string& what) {
  Prediction p{"yes, with several layers",
               fmt::format("the syntactic monoid is aperiodic (star-free language): a cascade of set-reset flip-flops "
                           "(Krohn-Rhodes), each a {} layer with gates in [0,1]; one layer is not claimed",
                           what),
               "Sarrof, Veitsman & Hahn, NeurIPS 2024 (diagonal SSMs with non-negative gates recognize the star-free "
               "languages)"};
  p.covers_one_layer = false;
  return p;
}

Prediction regular_prediction(const RowInfo& row, Architecture column) {
  const auto& s = *row.summary;
  const bool nc1 = s.circuit_class == automata::ComplexityClass::NC1Complete;
  if (column == Architecture::Dense)
    return {"yes",
            fmt::format("the minimal DFA as a 0/1 weighted automaton: one dense layer of width |Q| = {} with "
                        "A_sigma = M_sigma^T (the transposed transition matrix of each letter)",
                        row.dfa.states),
            fmt::format("{} (LRNNs run weighted automata over Q; a DFA is a 0/1 one)", kMerrill)};
  if (column == Architecture::Complex) {
    if (nc1)
      return {"no unless TC0 = NC1",
              "complex-diagonal LRNNs with log precision are in uniform TC0 (iterated products of diagonal matrices), "
              "and the language is NC1-complete (a non-solvable group divides its monoid)",
              kIllusion};
    if (automata::is_group_automaton(row.dfa) && letters_commute(row.dfa))
      return {"yes",
              fmt::format("the syntactic monoid is an abelian group of order {}: one complex-diagonal layer with one "
                          "coordinate per character, each letter a rotation by 2*pi*j/m (a root of unity); "
                          "membership is a linear combination of characters",
                          s.monoid_size),
              "Grazzi et al., ICLR 2025 (non-real eigenvalues count mod m); Sarrof, Veitsman & Hahn, NeurIPS 2024"};
    if (s.aperiodic) return star_free("complex-diagonal");
    return none("the monoid is neither aperiodic nor an abelian group, and the language is not NC1-complete: "
                "neither a construction nor the TC0 bound applies");
  }
  if (column == Architecture::Transformer && s.circuit_class != automata::ComplexityClass::NC1Complete) {
    // the TC0 bound says nothing here; constructions do
    Prediction p = s.aperiodic
                       ? Prediction{"yes, with several layers",
                                    "the syntactic monoid is aperiodic (star-free, first-order definable): masked "
                                    "unique-hard-attention transformers recognize exactly the star-free languages",
                                    "Yang, Chiang & Angluin, NeurIPS 2024"}
                       : Prediction{"yes, with several layers",
                                    "only solvable groups divide the syntactic monoid: a Krohn-Rhodes cascade of "
                                    "solvable groups and resets gives a transformer whose depth depends on the monoid, "
                                    "not on n",
                                    "Liu, Ash, Goel, Krishnamurthy & Zhang, ICLR 2023 (shortcuts to automata)"};
    p.covers_one_layer = false;
    return p;
  }
  for (const auto& p : automata::predict(row.dfa, s)) {
    if (p.architecture != column) continue;
    // The periodicity arguments leave aperiodic monoids open; the star-free
    // construction closes them for diagonal layers with gates in [0,1].
    if ((column == Architecture::Diag01 || column == Architecture::Diag11) && p.verdict == "no theorem applies" &&
        s.aperiodic)
      return star_free(column == Architecture::Diag01 ? "diagonal" : "real-diagonal");
    Prediction out{p.verdict, p.reason, p.citation};
    return out;
  }
  return none("no prediction for this column");
}

// --- non-regular rows, by family and by class ---------------------------------

bool diagonal_column(Architecture c) {
  return c == Architecture::Diag01 || c == Architecture::Diag11 || c == Architecture::Complex;
}

Prediction majority_prediction(Architecture column) {
  const std::string counter =
      "one coordinate with eigenvalue 1 keeps #a - #b (+1 on a, -1 on b) and the readout tests its sign; "
      "ceil(log2 n) + 1 bits suffice";
  const std::string cite = fmt::format("{} (LRNNs run weighted automata over Q with a threshold; #a - #b is one)", kMerrill);
  if (diagonal_column(column)) return {"yes", counter, cite};
  if (column == Architecture::Pd) return {"yes", "P = I and D = 1 make the PD layer the same counter: " + counter, cite};
  if (column == Architecture::Dplr) return {"yes", "a diagonal matrix is DPLR with rank 0, so the counter is one: " + counter, cite};
  if (column == Architecture::Dense) return {"yes", "a dense layer contains the diagonal counter: " + counter, cite};
  if (column == Architecture::Rnn)
    return {"yes", "a ReLU counter keeps relu(c) and relu(-c) of c = #a - #b exactly with log precision",
            fmt::format("{} (log-precision nonlinear RNNs simulate counter machines)", kMerrill)};
  return {"yes",  // the transformer
          "averaging attention computes the fraction of a's and one threshold decides majority (a single threshold "
          "gate, inside TC0)",
          "Merrill, Sabharwal & Smith, TACL 2022 (saturated attention counts); " + std::string(kTacl)};
}

Prediction dyck_prediction(Architecture column) {
  if (column == Architecture::Rnn)
    return {"yes",
            "one counter for the depth, the exact zero test relu(1 - c) and a violation flag: a one-counter machine "
            "with log precision",
            fmt::format("{} (log-precision nonlinear RNNs simulate counter machines)", kMerrill)};
  if (column == Architecture::Transformer)
    return {"yes", "causal attention computes the balance of every prefix; a second layer checks that none is negative "
                   "and that the last is zero",
            "Bhattamishra, Ahuja & Goyal, EMNLP 2020 (transformers recognize Dyck-1)"};
  // the LRNN columns
  return none("an eigenvalue-1 coordinate tracks the depth, but the condition that no prefix goes below zero is not "
              "a threshold of one linear state; the language is in TC0, so no lower bound applies either");
}

/// Rows of a class at or above NC1 (and regular rows whose monoid could not
/// be enumerated), by the class bound of each architecture.
Prediction class_prediction(const RowInfo& row, Architecture column) {
  const std::optional<ComplexityClass> cls = row.complexity;
  const std::string c = class_text(cls);
  const bool diag = diagonal_column(column);
  auto tc0_bound = [&](const std::string& bound) -> Prediction {
    if (column == Architecture::Transformer)
      return {"no unless TC0 = " + bound, "log-precision transformers are in uniform TC0 and the problem is " + c, kTacl};
    return {"no unless TC0 = " + bound,
            "diagonal LRNNs (real or complex) with log precision are in uniform TC0 (iterated products of diagonal "
            "matrices) and the problem is " + c,
            kIllusion};
  };
  if (cls == ComplexityClass::NC1Complete) {
    if (diag || column == Architecture::Transformer) return tc0_bound("NC1");
    const bool formula = row.family == "formula";
    const bool mod = row.family == "imm3:mod:P";
    const std::string finite =
        formula ? "Barrington's width-5 program turns the formula into a word over S5"
        : mod   ? "the row vector e0^T M1...Mk mod P takes finitely many values"
                : "the problem reduces to a finite-state computation (a word problem of a non-solvable group)";
    if (column == Architecture::Pd)
      return {"yes", finite + "; a PD-LRNN one-hot over the states runs it exactly with 0/1 entries",
              fmt::format("{}, Thms 6-8; Terzic et al., NeurIPS 2025", kMerrill)};
    if (column == Architecture::Dplr)
      return {"yes", finite + "; a permutation of N states is a product of N - 1 Householder reflections, so DPLR "
                              "layers run what PD layers run",
              "Grazzi et al., ICLR 2025; " + std::string(kMerrill)};
    if (column == Architecture::Dense)
      return {"yes", finite + "; a dense layer contains the PD construction", fmt::format("{}, Thms 6-8", kMerrill)};
    if (column == Architecture::Rnn)
      return {"yes", finite + "; a one-hot state x letter lookup ReLU RNN runs it",
              fmt::format("{} (nonlinear RNNs simulate finite automata); Barrington 1989", kMerrill)};
  }
  if (cls == ComplexityClass::PNC1Complete || cls == ComplexityClass::CNC1Complete) {
    const bool pnc1 = cls == ComplexityClass::PNC1Complete;
    const std::string bound = pnc1 ? "PNC1" : "C=NC1";
    const std::string test = pnc1 ? "sign" : "zero test";
    if (diag || column == Architecture::Transformer) return tc0_bound(bound);
    if (column == Architecture::Pd)
      return {"no unless " + bound + " = NC1", "PD-LRNNs are in NC1 (their state is finite) and the problem is " + c,
              fmt::format("{}, Thms 6-8", kMerrill)};
    if (column == Architecture::Dplr)
      return {"yes",
              "DPLR LRNNs simulate weighted automata over Q and so iterated 3x3 integer matrix products, with a " + test +
                  " of one entry at the end",
              fmt::format("{}, Thm 5", kMerrill)};
    if (column == Architecture::Dense)
      return {"yes",
              "A_t = M_t^T and h_0 = e_0 keep the row e0^T M1...Mt exactly; the readout is a " + test + " of one entry",
              fmt::format("{}, Thm 3 (LRNNs are arithmetic circuits over Q)", kMerrill)};
    if (column == Architecture::Rnn)
      return {"yes (with polynomial precision)",
              "with polynomial precision a ReLU RNN simulates multi-stack machines and so any polynomial-time "
              "computation (on an input padded to polynomial length)",
              fmt::format("{}, Thm 1 / Cor 2", kMerrill)};
  }
  if (cls == ComplexityClass::LComplete || cls == ComplexityClass::PComplete) {
    const std::string bound = cls == ComplexityClass::LComplete ? "L" : "P";
    if (column == Architecture::Transformer)
      return {"no unless " + bound + " = TC0", "log-precision transformers are in uniform TC0 and the problem is " + c, kTacl};
    if (diag)
      return {"no unless " + bound + " = TC0",
              "diagonal LRNNs with log precision are in uniform TC0 and the problem is " + c, kIllusion};
    if (column == Architecture::Pd)
      return {"no unless " + bound + " = NC1", "PD-LRNNs are in NC1 and the problem is " + c, fmt::format("{}, Thms 6-8", kMerrill)};
    if (column == Architecture::Dplr || column == Architecture::Dense)
      return {"no unless " + bound + " = PNC1",
              "every LRNN language is in PNC1 (a balanced product tree of depth log n and a sign test) and the "
              "problem is " + c,
              fmt::format("{}, Thm 3", kMerrill)};
    if (column == Architecture::Rnn) {
      if (bound == "L")
        return {"yes",
                "one counter follows the unique path from the source with the exact zero test "
                "relu(1 - relu(z) - relu(-z)): log precision suffices",
                fmt::format("{}, Thm 2", kMerrill)};
      return {"yes (with polynomial precision)",
              "with polynomial precision a ReLU RNN simulates two stacks (Siegelmann-Sontag) and so recognizes a padded "
              "P-complete language w #^(c|w|^k)",
              fmt::format("{}, Thm 1 / Cor 2", kMerrill)};
    }
  }
  if (cls == ComplexityClass::AC0 || cls == ComplexityClass::ACC0) {
    // a regular row whose monoid could not be enumerated
    if (column == Architecture::Pd || column == Architecture::Dense || column == Architecture::Rnn) {
      if (column == Architecture::Pd)
        return {"yes", "any DFA: a PD-LRNN one-hot over the states runs it exactly",
                fmt::format("Terzic et al., NeurIPS 2025; {}, Thms 6-8", kMerrill)};
      if (column == Architecture::Dense) return {"yes", "the DFA as a 0/1 weighted automaton, A_sigma = M_sigma^T", kMerrill};
      return {"yes", "a one-hot state x letter lookup ReLU RNN runs any DFA",
              fmt::format("{} (nonlinear RNNs simulate finite automata)", kMerrill)};
    }
    return none(fmt::format("the language is in {} (inside TC0), so no class bound rules it out, and its monoid was not "
                            "enumerated{}",
                            c, row.note.empty() ? "" : " (" + row.note + ")"));
  }
  if (!cls)
    return none(row.note.empty() ? "the class of this row is not known to Parallax" : row.note);
  return none(fmt::format("no theorem relates {} problems to this architecture", c));
}

}  // namespace

std::optional<Architecture> column_of(bool problem, const std::string& row, const std::string& construction) {
  if (!problem) {
    for (const auto& k : automata::kModelKinds)
      if (k.name == construction) return k.architecture;
    return std::nullopt;
  }
  try {
    const auto p = reductions::make_problem(row);
    for (const auto& c : p->info().constructions)
      if (c.name == construction) return c.architecture;
  } catch (const std::exception&) {  // not a problem (describe_row notes why)
  }
  return std::nullopt;
}

std::string class_text(const std::optional<ComplexityClass>& c) { return c ? automata::to_string(*c) : "unknown"; }

RowInfo describe_row(const std::string& name, bool prefer_problem) {
  RowInfo row;
  row.name = name;
  row.family = "language";
  std::string spec;
  bool found = false;
  if (prefer_problem) {
    try {
      const auto p = reductions::make_problem(name);
      row.is_problem = true;
      row.complexity = p->info().complexity;
      row.family = p->info().family;
      spec = language_of_problem(name, row.family);
      found = true;
    } catch (const std::exception&) {
    }
  }
  try {
    automata::Dfa dfa;
    bool have = false;
    if (!found || !spec.empty()) {
      const std::string s = spec.empty() ? name : spec;
      try {
        dfa = automata::language(s);
        have = true;
      } catch (const std::exception&) {
        std::error_code ec;
        if (!found && std::filesystem::is_regular_file(s, ec)) {
          dfa = automata::resolve_dfa(s);
          have = true;
        }
      }
    }
    if (have) {
      row.regular = true;
      row.dfa = automata::minimize(dfa);
      // a monoid past this size takes too long to enumerate for a report
      row.summary = automata::summarize(row.dfa, 200000);
      if (!found) row.complexity = row.summary->circuit_class;
    } else if (!found) {
      row.note = fmt::format("'{}' is neither a problem nor a built-in language nor a readable DFA/NFA file", name);
    }
  } catch (const std::exception& e) {
    row.summary.reset();
    row.note = fmt::format("the syntactic monoid of '{}' was not enumerated: {}", name, e.what());
  }
  return row;
}

Prediction predict(const RowInfo& row, Architecture column) {
  if (row.regular && row.summary) return regular_prediction(row, column);
  if (row.family == "majority") return majority_prediction(column);
  if (row.family == "dyck1") return dyck_prediction(column);
  if (row.family == "tcv:D" && column == Architecture::Transformer)
    return {"yes",
            "a transformer follows the circuit's description as an instruction: per level, hard attention fetches each "
            "operand's value and averaging attention with a ReLU step evaluates each threshold gate (O(D) layers)",
            std::string(kTacl)};
  if (row.family == "induction" && column == Architecture::Transformer) {
    Prediction p{"yes, with several layers",
                 "a previous-token head and an induction head copy the letter after the last letter's latest earlier "
                 "occurrence; the language is first-order definable (star-free)",
                 "Olsson et al. 2022 (induction heads); Yang, Chiang & Angluin, NeurIPS 2024"};
    p.covers_one_layer = false;
    return p;
  }
  return class_prediction(row, column);
}

Prediction predict(const std::string& row, Architecture column) { return predict(describe_row(row), column); }

std::string agreement(const std::string& measured, const Prediction& p) {
  if (measured != "succeeds" && measured != "fails") return "\u2014";
  const bool yes = p.verdict.starts_with("yes");
  const bool no = p.verdict == "no" || p.verdict.starts_with("no unless");
  if (yes) {
    if (measured == "succeeds") return "agrees";
    return p.covers_one_layer ? "DISAGREES" : "\u2014";
  }
  if (no) return measured == "fails" ? "agrees" : "DISAGREES";
  return "\u2014";
}

}  // namespace parallax::report
