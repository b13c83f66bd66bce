#pragma once
// Problems: a decision problem with a complexity claim, a documented JSON
// instance format, a generator with balanced yes/no labels, a reference
// solver written independently of every model, and constructions that reduce
// an instance to a model and a token sequence whose accept/reject decision
// is the answer. A stepwise problem (ProblemInfo::steps not empty) also has a
// label after every input position (solve_steps), which `parallax reduce`
// compares with the model's output at every position.
//
// Built so far: the group word problems word:G (Barrington: NC¹-complete for
// non-solvable G). The runner (`parallax reduce`) and the other problem
// families build on this interface.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "automata/compile.hpp"
#include "automata/taxonomy.hpp"

namespace parallax::reductions {

/// Unknown problems or constructions, malformed instances (the message names
/// the field).
struct ProblemError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct ConstructionInfo {
  std::string name;                     ///< e.g. "pd"
  automata::Architecture architecture;  ///< the class of the model it builds (the report's column)
  std::string description;              ///< what the model is, and the theorem behind it
};

struct ProblemInfo {
  std::string name;             ///< e.g. "word:S5"
  std::string family;           ///< e.g. "word:G"
  automata::ComplexityClass complexity;  ///< e.g. NC1-complete (automata/taxonomy.hpp)
  std::string claim;            ///< the statement, with its citation
  std::string instance_format;  ///< the JSON instance format, one line
  std::vector<ConstructionInfo> constructions;
  /// Stepwise problems: what the label after each input position is (e.g.
  /// "the running product's index in the word:G:all alphabet"); empty when
  /// the answer is one decision only. See Problem::solve_steps.
  std::string steps;
};

/// An instance in its documented JSON form.
using Instance = nlohmann::json;

/// An instance reduced for one construction: run `model` on `tokens`; the
/// answer is "yes" iff the model accepts.
struct Encoding {
  std::shared_ptr<const automata::CompiledModel> model;
  std::vector<std::uint32_t> tokens;
  /// Stepwise problems, constructions whose state is one-hot over the states
  /// of a DFA (pd; householder on a group automaton): the label of each
  /// state, indexed like the model's state vector, so that the model's label
  /// after token t is state_labels[argmax h_t] (−1 marks a state no
  /// nonempty prefix reaches). Empty for the other constructions, whose
  /// per-position output is their decision after every prefix
  /// (experiment/steps.hpp).
  std::vector<std::int64_t> state_labels = {};
};

class Problem {
 public:
  virtual ~Problem() = default;
  virtual const ProblemInfo& info() const = 0;
  /// An instance of size n whose answer is `yes`, deterministic in seed.
  /// Throws ProblemError when no such instance exists.
  virtual Instance generate(std::size_t n, std::uint64_t seed, bool yes) const = 0;
  /// A no-instance of size n that cheap statistics cannot tell from a
  /// yes-instance, drawn uniformly among such instances (what it matches:
  /// matched_negatives()); deterministic in seed. Datasets use it so that a
  /// probe does not learn the uniform no-instances' surface (e.g. an odd
  /// permutation in the S5 word problem). Default: generate(n, seed, false).
  virtual Instance generate_matched_no(std::size_t n, std::uint64_t seed) const { return generate(n, seed, false); }
  /// What generate_matched_no matches, in words; empty when it is the
  /// uniform no-instance.
  virtual std::string matched_negatives() const { return {}; }
  /// Throws ProblemError naming the field of a malformed instance.
  virtual void validate(const Instance& instance) const = 0;
  /// The reference answer, computed plainly (no model, no automaton).
  virtual bool solve(const Instance& instance) const = 0;
  /// Stepwise problems (info().steps not empty): the reference label after
  /// every input position (letter, matrix, …) of a valid instance, computed
  /// plainly like solve(); one label per position, each a small non-negative
  /// integer as info().steps documents. Empty for the other problems.
  virtual std::vector<std::int64_t> solve_steps(const Instance& instance) const {
    (void)instance;
    return {};
  }
  /// Stepwise problems: the answer of the instance cut after a position
  /// whose label is `label`, so that solve(instance) ==
  /// step_answer(instance, solve_steps(instance).back()) for every instance
  /// with at least one position. What a model's decision after each prefix is
  /// compared with. Throws ProblemError for a problem that is not stepwise.
  virtual bool step_answer(const Instance& instance, std::int64_t label) const {
    (void)instance;
    (void)label;
    throw ProblemError(info().name + " is not a stepwise problem (it has no label per position)");
  }
  /// Reduces a (valid) instance for a construction; throws ProblemError for
  /// an unknown construction.
  virtual Encoding encode(const Instance& instance, const std::string& construction) const = 0;
};

/// A family of the table of problems (problems.cpp), as the command line
/// and the documentation show it.
struct ProblemFamilyInfo {
  /// The names the family answers to, e.g. "imm3:pos, imm3:zero, imm3:mod:P".
  std::string names;
  /// The problems problem_catalog() lists for it, e.g. imm3:pos, imm3:mod:5.
  std::vector<std::string> examples;
  /// Its instances' JSON format in one line: that of its first example.
  std::string instance_format;
};

/// The families of the table, in its order.
std::vector<ProblemFamilyInfo> problem_families();
/// Every family's names, separated by "; ": the names --problem takes, as its
/// help text and make_problem's refusal list them.
std::string problem_names_summary();
/// The problems, by family: name patterns, class and constructions.
std::vector<ProblemInfo> problem_catalog();
/// A problem by name, e.g. "word:S5", "word:D7"; throws ProblemError listing
/// the valid names (problem_names_summary).
std::unique_ptr<Problem> make_problem(const std::string& name);

}  // namespace parallax::reductions
