#pragma once
// Problems whose instances are words over a finite alphabet (internal to
// reductions/). A LanguageProblem is a regular one: its yes-instances are a
// built-in language, whose minimal DFA supplies the generator (path
// counting) and the models (automata/compile.hpp); the reference solver is
// the subclass's own plain predicate on the word.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "automata/dfa.hpp"
#include "automata/sample.hpp"
#include "models/transformer.hpp"
#include "reductions/problem.hpp"

namespace parallax::reductions {

/// The letters of an instance {"word": "abba"} or {"word": ["a", "b"]};
/// ProblemError names the field.
std::vector<std::uint32_t> read_word(const Instance& in, const std::string& problem,
                                     const std::vector<std::string>& alphabet);
/// {"problem": problem, "word": …}: a string when every letter is one character.
Instance word_instance(const std::string& problem, const std::vector<std::string>& alphabet,
                       const std::vector<std::uint32_t>& word);
/// The instance-format line of a word problem over `alphabet`.
std::string word_format(const std::string& problem, const std::vector<std::string>& alphabet);
/// Throws ProblemError unless `construction` is one of info's.
void require_construction(const ProblemInfo& info, const std::string& construction);
/// A transformer as a problem's model (architecture Transformer); TransformerError → ProblemError.
/// exact_max_length: see automata::CompiledModel.
std::shared_ptr<const automata::CompiledModel> transformer_compiled(models::TransformerSpec spec,
                                                                    std::size_t exact_max_length = 0);
/// The "transformer" construction of a problem whose model depends on the
/// input length n (positional tables): built once per n, thread-safe.
class TransformerCache {
 public:
  template <class Build>
  std::shared_ptr<const automata::CompiledModel> get(std::size_t n, Build&& build, std::size_t exact_max_length = 0) const {
    std::lock_guard lock(mu_);
    auto& m = models_[n];
    if (!m) m = transformer_compiled(build(n), exact_max_length);
    return m;
  }

 private:
  mutable std::mutex mu_;
  mutable std::map<std::size_t, std::shared_ptr<const automata::CompiledModel>> models_;
};

class LanguageProblem : public Problem {
 public:
  /// `language`: a spec of automata::language(); info_ is filled by the subclass.
  explicit LanguageProblem(std::string language) : language_(std::move(language)) {}
  const ProblemInfo& info() const override { return info_; }
  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override;
  /// For the word problem of a non-abelian group G (a permutation automaton
  /// accepting its start state only, at most 1024 states): a word whose
  /// product lies in the commutator subgroup [G,G] but is not the identity,
  /// uniformly among those. Its image in every abelian quotient of G (all
  /// that letter counts modulo anything can see: the sign of a permutation,
  /// a reflection count) is trivial, as a yes-instance's is. Other
  /// languages (and abelian groups, where [G,G] is trivial): the uniform
  /// no-instance.
  Instance generate_matched_no(std::size_t n, std::uint64_t seed) const override;
  std::string matched_negatives() const override;
  void validate(const Instance& in) const override { (void)read_word(in, info_.name, alphabet()); }
  bool solve(const Instance& in) const override { return solve_word(read_word(in, info_.name, alphabet())); }
  /// Stepwise subclasses (info_.steps set): the labels of the word's
  /// prefixes, from the running value (step_start, step, step_label).
  std::vector<std::int64_t> solve_steps(const Instance& in) const override;
  /// Stepwise subclasses: the pd and householder constructions (one-hot over
  /// the minimal DFA's states) carry state_labels().
  Encoding encode(const Instance& in, const std::string& construction) const override;

 protected:
  /// The plain reference answer on a word of letter indices.
  virtual bool solve_word(const std::vector<std::uint32_t>& word) const = 0;
  /// Stepwise subclasses: the reference's running value after a prefix (the
  /// running product as a permutation of the points, the count mod M), as a
  /// few integers, advanced one letter at a time without any automaton, and
  /// the label it gives. The defaults throw: only a subclass that sets
  /// info_.steps is asked.
  using Running = std::vector<std::uint32_t>;
  virtual Running step_start() const;
  virtual void step(Running& value, std::uint32_t letter) const;
  virtual std::int64_t step_label(const Running& value) const;
  /// The label of every state of dfa() (−1 where only the empty word leads),
  /// found by walking the DFA breadth-first with the running value; built
  /// once. The walk checks every transition: the label the running value
  /// gives after a letter must be the label of the state the DFA moves to
  /// (ProblemError otherwise). Where the label determines the running value
  /// (a group element, a count mod M) this proves that the DFA's state after
  /// any word carries that word's label, so a one-hot model's state can be
  /// read as a label.
  const std::vector<std::int64_t>& state_labels() const;
  const automata::Dfa& dfa() const;  ///< minimal
  const std::vector<std::string>& alphabet() const { return dfa().alphabet; }
  /// The class of the language from its syntactic monoid, with the theorem.
  void set_class_from_monoid(const std::string& what);
  /// The "transformer" construction for inputs of n letters (a subclass that
  /// lists one overrides this; encode caches the model per n).
  virtual models::TransformerSpec transformer_model(std::size_t n) const;
  /// The longest input the transformer construction decides exactly (0: every length).
  virtual std::size_t transformer_exact_max_length() const { return 0; }

  ProblemInfo info_;

 private:
  std::string language_;
  mutable std::once_flag dfa_once_, labels_once_;
  mutable automata::Dfa dfa_;
  mutable std::vector<std::int64_t> state_labels_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const automata::CompiledModel>> models_;
  TransformerCache transformers_;
  /// generate's word counts for the last few lengths (building them costs
  /// O(n · states) log-sum-exps, drawing a word O(n)): the datasets draw many
  /// instances of one length
  mutable std::map<std::size_t, std::shared_ptr<const automata::WordSampler>> samplers_;
  /// generate_matched_no's DFA (accepting [G,G] minus the identity), when there is one
  mutable std::once_flag matched_once_;
  mutable std::optional<automata::Dfa> matched_;
  mutable std::size_t commutator_order_ = 0;
  mutable std::map<std::size_t, std::shared_ptr<const automata::WordSampler>> matched_samplers_;
  const automata::Dfa* matched_dfa() const;
  /// The sampler of `d` for words of length n, from `cache` (the last 4 lengths).
  std::shared_ptr<const automata::WordSampler> sampler(const automata::Dfa& d, std::size_t n,
                                                       std::map<std::size_t, std::shared_ptr<const automata::WordSampler>>& cache) const;
};

}  // namespace parallax::reductions
