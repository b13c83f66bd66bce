// Counter problems: parity, modcount:M, dyck1:K (regular, from the language
// library) and majority (not regular: one unbounded counter).
#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <random>

#include "reductions/language_problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {
namespace {

using numeric::Exact;

class ParityProblem final : public LanguageProblem {
 public:
  ParityProblem() : LanguageProblem("parity") {
    info_.name = info_.family = "parity";
    set_class_from_monoid("an even number of b");
    info_.instance_format = word_format(info_.name, alphabet());
    info_.constructions = {{"diag", "diagonal LRNN d=1 with eigenvalue -1 on b (Grazzi et al.: needs an eigenvalue outside [0, inf))"},
                           {"pd", "PD-LRNN of width 2 (the swap)"},
                           {"householder", "one Householder reflection on b"},
                           {"relu-rnn", "ReLU RNN lookup"}};
  }

 private:
  bool solve_word(const std::vector<std::uint32_t>& w) const override {
    std::size_t b = 0;
    for (auto x : w) b += x == 1;
    return b % 2 == 0;
  }
};

std::size_t parameter(const std::string& name, const std::string& digits, std::size_t hi) {
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(digits) < 1 || std::stoul(digits) > hi)
    throw ProblemError(fmt::format("problem '{}': expected a parameter from 1 to {}", name, hi));
  return std::stoul(digits);
}

class ModCountProblem final : public LanguageProblem {
 public:
  explicit ModCountProblem(const std::string& name)
      : LanguageProblem(fmt::format("count-mod:{}", parameter(name, name.substr(9), 10000))), m_(parameter(name, name.substr(9), 10000)) {
    info_.name = name;
    info_.family = "modcount:M";
    set_class_from_monoid(fmt::format("the number of a is divisible by {}", m_));
    info_.instance_format = word_format(name, alphabet());
    info_.constructions = {{"pd", fmt::format("PD-LRNN of width {}: the cyclic permutation, exact", m_)},
                           {"rotation", fmt::format("complex diagonal: rotation by 2*pi/{} (irrational for most M; Grazzi et al.: "
                                                    "needs non-real eigenvalues)", m_)},
                           {"householder", "Householder reflections of the cycle"}};
    if (2 * m_ + 1 <= 2048) info_.constructions.push_back({"relu-rnn", "ReLU RNN lookup"});
    if (m_ <= 2) info_.constructions.push_back({"diag", "diagonal LRNN with eigenvalue -1"});
  }

 private:
  bool solve_word(const std::vector<std::uint32_t>& w) const override {
    std::size_t a = 0;
    for (auto x : w) a += x == 0;
    return a % m_ == 0;
  }
  std::size_t m_;
};

class DyckProblem final : public LanguageProblem {
 public:
  explicit DyckProblem(const std::string& name)
      : LanguageProblem(fmt::format("dyck1:{}", parameter(name, name.substr(6), 10000))), k_(parameter(name, name.substr(6), 10000)) {
    info_.name = name;
    info_.family = "dyck1:K";
    set_class_from_monoid(fmt::format("balanced parentheses of depth at most {}", k_));
    info_.instance_format = word_format(name, alphabet());
    info_.constructions = {{"pd", fmt::format("PD-LRNN of width {}: depth 0..K and a dead state", k_ + 2)}};
    if (2 * (k_ + 2) + 1 <= 2048) info_.constructions.push_back({"relu-rnn", "ReLU RNN lookup"});
  }

 private:
  bool solve_word(const std::vector<std::uint32_t>& w) const override {
    std::size_t depth = 0;
    for (auto x : w) {
      if (alphabet()[x] == "(") {
        if (++depth > k_) return false;
      } else {
        if (depth == 0) return false;
        --depth;
      }
    }
    return depth == 0;
  }
  std::size_t k_;
};

/// More a than b. Not regular; a single counter with eigenvalue 1 decides it.
class MajorityProblem final : public Problem {
 public:
  MajorityProblem() {
    info_.name = info_.family = "majority";
    info_.complexity = "TC0";
    info_.claim = "more a than b: one threshold gate (TC0); not in AC0 (Furst-Saxe-Sipser, Hastad) nor in AC0[p] "
                  "(Razborov-Smolensky)";
    info_.instance_format = word_format("majority", alphabet_);
    info_.constructions = {{"counter", "diagonal LRNN d=1, eigenvalue 1: h += 1 on a, -1 on b; accept iff h > 0"}};
    models::LrnnSpec s;
    s.name = "majority/counter";
    s.structure = models::Structure::Diagonal;
    s.d = 1;
    s.alphabet = alphabet_;
    s.tokens = {models::Transition{{Exact(1)}, {}, {}, {Exact(1)}}, models::Transition{{Exact(1)}, {}, {}, {Exact(-1)}}};
    s.h0 = {Exact(0)};
    s.c = {Exact(1)};
    s.c0 = 0;
    automata::CompiledModel m{automata::ModelKind::Diag, false, std::move(s), {}, "diagonal counter d=1 (eigenvalue 1)"};
    counter_ = std::make_shared<const automata::CompiledModel>(std::move(m));
  }
  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    // k = number of a: P(k) ∝ C(n, k) over the k with the requested answer,
    // then the a's placed uniformly: a uniform word among those answers
    std::vector<std::size_t> ks;
    std::vector<double> logw;
    for (std::size_t k = 0; k <= n; ++k)
      if ((2 * k > n) == yes) {
        ks.push_back(k);
        logw.push_back(std::lgamma(double(n) + 1) - std::lgamma(double(k) + 1) - std::lgamma(double(n - k) + 1));
      }
    if (ks.empty()) throw ProblemError(fmt::format("majority: no {}-instance of size {}", yes ? "yes" : "no", n));
    const double top = *std::max_element(logw.begin(), logw.end());
    std::vector<double> w;
    for (double l : logw) w.push_back(std::exp(l - top));
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                      static_cast<std::uint32_t>(yes)};
    std::mt19937_64 rng(seq);
    const std::size_t k = ks[std::discrete_distribution<std::size_t>(w.begin(), w.end())(rng)];
    std::vector<std::uint32_t> word(n, 1);
    std::fill(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(k), 0u);
    std::shuffle(word.begin(), word.end(), rng);
    return word_instance(info_.name, alphabet_, word);
  }
  void validate(const Instance& in) const override { (void)read_word(in, info_.name, alphabet_); }
  bool solve(const Instance& in) const override {
    long balance = 0;
    for (auto x : read_word(in, info_.name, alphabet_)) balance += x == 0 ? 1 : -1;
    return balance > 0;
  }
  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    return {counter_, read_word(in, info_.name, alphabet_)};
  }

 private:
  ProblemInfo info_;
  std::vector<std::string> alphabet_ = {"a", "b"};
  std::shared_ptr<const automata::CompiledModel> counter_;
};

}  // namespace

std::unique_ptr<Problem> make_counter_problem(const std::string& name) {
  if (name == "parity") return std::make_unique<ParityProblem>();
  if (name == "majority") return std::make_unique<MajorityProblem>();
  if (name.starts_with("modcount:")) return std::make_unique<ModCountProblem>(name);
  if (name.starts_with("dyck1:")) return std::make_unique<DyckProblem>(name);
  return nullptr;
}

}  // namespace parallax::reductions
