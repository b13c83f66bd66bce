// Copy problems, the tasks that transformers solve by looking things up:
// first-eq-last (does the first letter equal the last? regular, from the
// language library) and induction (the induction-head copy task: which
// letter followed the previous occurrence of the last letter?).
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "models/transformer_constructions.hpp"
#include "reductions/language_problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

class FirstEqLastProblem final : public LanguageProblem {
 public:
  FirstEqLastProblem() : LanguageProblem("first-eq-last") {
    info_.name = info_.family = "first-eq-last";
    set_class_from_monoid("the first letter equals the last");
    info_.instance_format = word_format(info_.name, alphabet());
    info_.constructions = {{"pd", Architecture::Pd, "PD-LRNN of the minimal DFA (first letter, last letter)"},
                           {"relu-rnn", Architecture::Rnn, "ReLU RNN lookup"},
                           {"transformer", Architecture::Transformer, "1-layer transformer: a hard head fetches the first letter, an MLP compares "
                                                                      "it with the last"}};
  }

 private:
  models::TransformerSpec transformer_model(std::size_t) const override {
    return models::first_eq_last_transformer(alphabet());
  }
  bool solve_word(const std::vector<std::uint32_t>& w) const override { return !w.empty() && w.front() == w.back(); }
};

/// Words over {a, b, c, d}; yes iff the last letter occurred before and the
/// letter after its most recent earlier occurrence is a.
class InductionProblem final : public Problem {
 public:
  InductionProblem() {
    info_.name = info_.family = "induction";
    info_.complexity = automata::ComplexityClass::AC0;
    info_.claim = "the induction-head copy task (Olsson et al. 2022): first-order definable (exists p < n with w_p = "
                  "w_n, w_(p+1) = a and no w_q = w_n for p < q < n), so a star-free language in AC0 "
                  "(Barrington-Compton-Straubing-Therien 1992)";
    info_.instance_format = word_format(info_.name, alphabet_);
    info_.constructions = {{"transformer", Architecture::Transformer, "2-layer transformer: a previous-token head, then an induction head "
                                                                      "(hard attention, rightmost tie) that copies the letter after the latest "
                                                                      "earlier occurrence of the last letter"}};
  }
  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (yes && n < 2) throw ProblemError(fmt::format("induction: no yes-instance of size {}", n));
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                      static_cast<std::uint32_t>(yes), 0x1du};
    std::mt19937_64 rng(seq);
    std::uniform_int_distribution<std::uint32_t> letter(0, static_cast<std::uint32_t>(alphabet_.size() - 1));
    std::vector<std::uint32_t> w(n);
    // a uniform word has the answer yes with probability about 1/4 once n is
    // moderate: rejection, then a forced instance for the rare short misses
    for (int attempt = 0; attempt < 200; ++attempt) {
      for (auto& x : w) x = letter(rng);
      if (solve_word(w) == yes) return word_instance(info_.name, alphabet_, w);
    }
    if (yes && n == 2) {
      w = {0, 0};  // a a: the letter after the earlier a is a
    } else if (yes) {
      w[n - 3] = w[n - 1];  // … x a x: the latest earlier x is followed by a
      w[n - 2] = 0;
    } else {
      std::fill(w.begin(), w.end(), 1u);  // b b … b: the letter after each b is b
    }
    if (solve_word(w) != yes) throw ProblemError(fmt::format("induction: no {}-instance found of size {}", yes ? "yes" : "no", n));
    return word_instance(info_.name, alphabet_, w);
  }
  void validate(const Instance& in) const override { (void)read_word(in, info_.name, alphabet_); }
  bool solve(const Instance& in) const override { return solve_word(read_word(in, info_.name, alphabet_)); }
  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    auto w = read_word(in, info_.name, alphabet_);
    auto model = transformers_.get(std::max<std::size_t>(w.size(), 1),
                                   [&](std::size_t n) { return models::induction_transformer(alphabet_, 0, n); });
    return {model, std::move(w)};
  }

 private:
  static bool solve_word(const std::vector<std::uint32_t>& w) {
    if (w.size() < 2) return false;
    const std::size_t n = w.size();
    for (std::size_t p = n - 1; p-- > 0;)
      if (w[p] == w[n - 1]) return w[p + 1] == 0;
    return false;
  }
  ProblemInfo info_;
  std::vector<std::string> alphabet_ = {"a", "b", "c", "d"};
  TransformerCache transformers_;
};

}  // namespace

std::unique_ptr<Problem> make_copy_problem(const std::string& name) {
  if (name == "first-eq-last") return std::make_unique<FirstEqLastProblem>();
  if (name == "induction") return std::make_unique<InductionProblem>();
  return nullptr;
}

}  // namespace parallax::reductions
