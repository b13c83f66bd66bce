// Counter problems: parity, modcount:M, dyck1:K (regular, from the language
// library), and majority and dyck1 (not regular: one unbounded counter).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "models/transformer_constructions.hpp"
#include "reductions/language_problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

using numeric::Exact;

// The fitted [0,1]-diagonal model (automata/compile.hpp, fit_diag01): not a
// construction of the language but the best model of that class a fixed
// search finds, so that the class's column can be measured.
constexpr const char* kDiag01Parity =
    "diagonal LRNN with eigenvalues in [0,1], fitted to short words (not exact: the state on b^k converges, so it "
    "cannot track parity; Grazzi et al., ICLR 2025, Thm 1)";
constexpr const char* kDiag01Mod =
    "diagonal LRNN with eigenvalues in [0,1], fitted to short words (not exact for M > 1: the state on a^k "
    "converges, so it cannot count modulo M; Grazzi et al., ICLR 2025, Thm 1)";
constexpr const char* kTransformerMod =
    "2-layer transformer: an averaging head counts (k/(n+1), 1/(n+1)), a hard head with positional key (t, t^2) "
    "finds t = k and reads [t = 0 mod M] (exact; about 2 log2 n bits)";
constexpr const char* kDiag01StarFree =
    "diagonal LRNN with eigenvalues in [0,1], fitted to short words (the language is star-free, which the class can "
    "reach (Sarrof et al. 2024), but the fit need not be exact)";

class ParityProblem final : public LanguageProblem {
 public:
  ParityProblem() : LanguageProblem("parity") {
    info_.name = info_.family = "parity";
    set_class_from_monoid("an even number of b");
    info_.instance_format = word_format(info_.name, alphabet());
    info_.steps = "the number of b in the prefix, mod 2 (0 = even)";
    info_.constructions = {{"diag", Architecture::Diag11, "diagonal LRNN d=1 with eigenvalue -1 on b (Grazzi et al.: needs an eigenvalue outside [0, inf))"},
                           {"pd", Architecture::Pd, "PD-LRNN of width 2 (the swap)"},
                           {"householder", Architecture::Dplr, "one Householder reflection on b"},
                           {"relu-rnn", Architecture::Rnn, "ReLU RNN lookup"},
                           {"diag01", Architecture::Diag01, kDiag01Parity},
                           {"transformer", Architecture::Transformer, kTransformerMod}};
  }

 private:
  models::TransformerSpec transformer_model(std::size_t n) const override {
    return models::count_mod_transformer(alphabet(), 1, 2, std::max<std::size_t>(n, 1));
  }
  bool solve_word(const std::vector<std::uint32_t>& w) const override {
    std::size_t b = 0;
    for (auto x : w) b += x == 1;
    return b % 2 == 0;
  }
  // steps: the count of b mod 2
  Running step_start() const override { return {0}; }
  void step(Running& v, std::uint32_t x) const override { v[0] = (v[0] + (x == 1)) % 2; }
  std::int64_t step_label(const Running& v) const override { return v[0]; }

 public:
  bool step_answer(const Instance&, std::int64_t label) const override { return label == 0; }
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
    info_.steps = fmt::format("the number of a in the prefix, mod {} (0 = divisible)", m_);
    info_.constructions = {{"pd", Architecture::Pd, fmt::format("PD-LRNN of width {}: the cyclic permutation, exact", m_)},
                           {"rotation", Architecture::Complex, fmt::format("complex diagonal: rotation by 2*pi/{} (irrational for most M; Grazzi et al.: "
                                                                           "needs non-real eigenvalues)", m_)},
                           {"householder", Architecture::Dplr, "Householder reflections of the cycle"}};
    if (2 * m_ + 1 <= 2048) info_.constructions.push_back({"relu-rnn", Architecture::Rnn, "ReLU RNN lookup"});
    if (m_ <= 2) info_.constructions.push_back({"diag", Architecture::Diag11, "diagonal LRNN with eigenvalue -1"});
    info_.constructions.push_back({"diag01", Architecture::Diag01, kDiag01Mod});
    info_.constructions.push_back({"transformer", Architecture::Transformer, kTransformerMod});
  }

 private:
  models::TransformerSpec transformer_model(std::size_t n) const override {
    return models::count_mod_transformer(alphabet(), 0, static_cast<std::uint32_t>(m_), std::max<std::size_t>(n, 1));
  }
  bool solve_word(const std::vector<std::uint32_t>& w) const override {
    std::size_t a = 0;
    for (auto x : w) a += x == 0;
    return a % m_ == 0;
  }
  // steps: the count of a mod M
  Running step_start() const override { return {0}; }
  void step(Running& v, std::uint32_t x) const override { v[0] = static_cast<std::uint32_t>((v[0] + (x == 0)) % m_); }
  std::int64_t step_label(const Running& v) const override { return v[0]; }

 public:
  bool step_answer(const Instance&, std::int64_t label) const override { return label == 0; }

 private:
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
    info_.constructions = {{"pd", Architecture::Pd, fmt::format("PD-LRNN of width {}: depth 0..K and a dead state", k_ + 2)}};
    if (2 * (k_ + 2) + 1 <= 2048) info_.constructions.push_back({"relu-rnn", Architecture::Rnn, "ReLU RNN lookup"});
    info_.constructions.push_back({"diag01", Architecture::Diag01, kDiag01StarFree});
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
    info_.complexity = automata::ComplexityClass::TC0;
    info_.claim = "more a than b: one threshold gate (TC0); not in AC0 (Furst-Saxe-Sipser, Hastad) nor in AC0[p] "
                  "(Razborov-Smolensky)";
    info_.instance_format = word_format("majority", alphabet_);
    info_.constructions = {{"counter", Architecture::Diag01, "diagonal LRNN d=1, eigenvalue 1: h += 1 on a, -1 on b; accept iff h > 0"},
                           {"relu-rnn", Architecture::Rnn, "ReLU RNN d=2: the counter's positive and negative parts p = relu(c), q = relu(-c); "
                                                           "accept iff p - q > 0"},
                           {"transformer", Architecture::Transformer, "1-layer transformer: an averaging head computes (#a - #b)/(n+1)"}};
    models::LrnnSpec s;
    s.name = "majority/counter";
    s.structure = models::Structure::Diagonal;
    s.d = 1;
    s.alphabet = alphabet_;
    s.tokens = {models::Transition{{Exact(1)}, {}, {}, {Exact(1)}}, models::Transition{{Exact(1)}, {}, {}, {Exact(-1)}}};
    s.h0 = {Exact(0)};
    s.c = {Exact(1)};
    s.c0 = 0;
    automata::CompiledModel m{std::move(s), Architecture::Diag01, "diagonal counter d=1 (eigenvalue 1)"};
    counter_ = std::make_shared<const automata::CompiledModel>(std::move(m));
    // p' = relu(p − q ± 1), q' = relu(q − p ∓ 1): exact on integers
    models::ReluRnn r;
    r.d = 2;
    r.W = {Exact(1), Exact(-1), Exact(-1), Exact(1)};
    r.b = {Exact(0), Exact(0)};
    r.u = {Exact(0), Exact(0)};
    r.token_input = {{Exact(1), Exact(-1)}, {Exact(-1), Exact(1)}};
    r.h0 = {Exact(0), Exact(0)};
    r.c = {Exact(1), Exact(-1)};
    models::validate(r);
    automata::CompiledModel rm{std::move(r), Architecture::Rnn, "ReLU counter d=2"};
    relu_ = std::make_shared<const automata::CompiledModel>(std::move(rm));
    transformer_ = transformer_compiled(models::majority_transformer(alphabet_));
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
    return {construction == "relu-rnn" ? relu_ : construction == "transformer" ? transformer_ : counter_,
            read_word(in, info_.name, alphabet_)};
  }

 private:
  ProblemInfo info_;
  std::vector<std::string> alphabet_ = {"a", "b"};
  std::shared_ptr<const automata::CompiledModel> counter_, relu_, transformer_;
};

/// Balanced parentheses of any depth (the one-counter language D₁; not
/// regular). The ReLU RNN keeps the depth c ≥ 0 and a "went below zero" flag:
///   (   c ← c + 1
///   )   bad ← min(1, bad + zero(c)),  c ← relu(c − 1)
///   $   fin ← zero(c)            (an end marker the reduction appends)
/// with the exact zero test zero(c) = relu(1 − c) on integers c ≥ 0, and
/// accepts iff fin − bad − 1/2 > 0. Depths up to n need ⌈log₂ n⌉ bits.
class DyckCounterProblem final : public Problem {
 public:
  DyckCounterProblem() {
    info_.name = info_.family = "dyck1";
    info_.complexity = automata::ComplexityClass::TC0;
    info_.claim = "balanced parentheses of unbounded depth (the one-counter language D1): in TC0 by counting prefix "
                  "sums (majority gates); not regular, so no finite automaton or PD-LRNN of fixed width decides it";
    info_.instance_format = word_format("dyck1", alphabet_);
    info_.constructions = {{"relu-rnn", Architecture::Rnn, "ReLU MLP RNN with one counter, a violation flag and the exact zero test "
                                                           "relu(1 - c); log precision"},
                           {"transformer", Architecture::Transformer, "2-layer transformer (Bhattamishra et al. 2020): averaging head -> prefix "
                                                                      "balances, hard head -> their minimum, MLP -> min with the final balance"}};
    // state h = (c, bad, fin); first layer (units a, t, u, pb):
    //   a = relu(c + δσ)    δ = +1 on (, −1 on ), 0 on $
    //   t = relu(f_σ − c)   f = 1 on ) : 1 iff ) at depth 0
    //   u = relu(g_σ − c)   g = 1 on $ : 1 iff $ at depth 0
    //   pb = relu(bad)
    // second layer: c' = relu(a), x = relu(pb + t), y = relu(pb + t − 1), fin' = relu(u)
    // third (affine): c' , bad' = x − y, fin'
    models::ReluRnn r;
    r.d = 3;
    r.W = {Exact(1), Exact(0), Exact(0),   //
           Exact(-1), Exact(0), Exact(0),  //
           Exact(-1), Exact(0), Exact(0),  //
           Exact(0), Exact(1), Exact(0)};
    r.b.assign(4, Exact(0));
    r.token_input = {{Exact(1), Exact(0), Exact(0), Exact(0)},
                     {Exact(-1), Exact(1), Exact(0), Exact(0)},
                     {Exact(0), Exact(0), Exact(1), Exact(0)}};
    models::MlpLayer l2{4, 4, {Exact(1), Exact(0), Exact(0), Exact(0),  //
                               Exact(0), Exact(1), Exact(0), Exact(1),  //
                               Exact(0), Exact(1), Exact(0), Exact(1),  //
                               Exact(0), Exact(0), Exact(1), Exact(0)},
                        {Exact(0), Exact(0), Exact(-1), Exact(0)}, true};
    models::MlpLayer l3{3, 4, {Exact(1), Exact(0), Exact(0), Exact(0),  //
                               Exact(0), Exact(1), Exact(-1), Exact(0), //
                               Exact(0), Exact(0), Exact(0), Exact(1)},
                        {Exact(0), Exact(0), Exact(0)}, false};
    r.layers = {std::move(l2), std::move(l3)};
    r.h0.assign(3, Exact(0));
    r.c = {Exact(0), Exact(-1), Exact(1)};
    r.c0 = Exact(-1, 2);
    models::validate(r);
    automata::CompiledModel m{std::move(r), Architecture::Rnn, "ReLU counter with zero test, d=3"};
    model_ = std::make_shared<const automata::CompiledModel>(std::move(m));
    transformer_ = transformer_compiled(models::dyck1_transformer(alphabet_[0], alphabet_[1]));
  }
  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (yes && n % 2 == 1) throw ProblemError(fmt::format("dyck1: no yes-instance of odd size {}", n));
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                      static_cast<std::uint32_t>(yes), 0xd1u};
    std::mt19937_64 rng(seq);
    std::vector<std::uint32_t> w;
    if (yes) {
      // uniform Dyck word by the cycle lemma: of the rotations of a sequence
      // with m + 1 ')' and m '(', exactly one starts a word whose proper
      // prefixes stay ≥ 0 and that ends with the extra ')'
      const std::size_t m = n / 2;
      std::vector<std::uint32_t> s(2 * m + 1, 1);
      std::fill(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(m), 0u);
      std::shuffle(s.begin(), s.end(), rng);
      long depth = 0, low = 1;
      std::size_t at = 0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        depth += s[i] == 0 ? 1 : -1;
        if (depth < low) low = depth, at = i + 1;  // the rotation starts after the first minimum
      }
      std::rotate(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(at % s.size()), s.end());
      w.assign(s.begin(), s.end() - 1);
    } else {
      // half: as many ( as ) but some prefix dips below zero (odd n: one
      // more '(' than ')'); half: the counts differ by 2
      const bool equal = n % 2 == 1 || rng() % 2 == 0;
      for (int attempt = 0;; ++attempt) {
        std::size_t open = equal ? (n + 1) / 2 : (n >= 2 ? (rng() % 2 ? n / 2 + 1 : n / 2 - 1) : n);
        w.assign(n, 1);
        std::fill(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(std::min(open, n)), 0u);
        std::shuffle(w.begin(), w.end(), rng);
        if (!solve_word(w) || attempt > 1000) break;
      }
      if (solve_word(w)) throw ProblemError(fmt::format("dyck1: no no-instance found of size {}", n));
    }
    return word_instance(info_.name, alphabet_, w);
  }
  void validate(const Instance& in) const override { (void)read_word(in, info_.name, alphabet_); }
  bool solve(const Instance& in) const override { return solve_word(read_word(in, info_.name, alphabet_)); }
  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    auto w = read_word(in, info_.name, alphabet_);
    if (construction == "transformer") return {transformer_, std::move(w)};
    w.push_back(2);  // the end marker $
    return {model_, std::move(w)};
  }

 private:
  static bool solve_word(const std::vector<std::uint32_t>& w) {
    long depth = 0;
    for (auto x : w)
      if ((depth += x == 0 ? 1 : -1) < 0) return false;
    return depth == 0;
  }
  ProblemInfo info_;
  std::vector<std::string> alphabet_ = {"(", ")"};
  std::shared_ptr<const automata::CompiledModel> model_, transformer_;
};

}  // namespace

std::unique_ptr<Problem> make_counter_problem(const std::string& name) {
  if (name == "parity") return std::make_unique<ParityProblem>();
  if (name == "majority") return std::make_unique<MajorityProblem>();
  if (name.starts_with("modcount:")) return std::make_unique<ModCountProblem>(name);
  if (name == "dyck1") return std::make_unique<DyckCounterProblem>();
  if (name.starts_with("dyck1:")) return std::make_unique<DyckProblem>(name);
  return nullptr;
}

}  // namespace parallax::reductions
