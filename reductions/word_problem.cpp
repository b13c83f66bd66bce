// word:G — is the product of a word over generators of a finite group G the
// identity? NC¹-complete for non-solvable G (Barrington 1989), in ACC⁰ for
// solvable G (Barrington–Thérien).
//
// The reference solver multiplies the letters as permutations of a small
// point set on which G acts faithfully (the symmetric groups on their n
// points, Z_m on m points, D_n on the n-gon's vertices, A4×Z5 on 4 + 5
// points), independently of the automaton the models are compiled from.
//
// Stepwise: the label after each letter is the running product's index in
// the word:G:all alphabet (ElementIndex below; 0 is the identity), computed
// from that permutation.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "automata/languages.hpp"
#include "automata/perm_group.hpp"
#include "models/transformer_constructions.hpp"
#include "reductions/language_problem.hpp"
#include "reductions/problem.hpp"
#include "reductions/registry.hpp"

namespace parallax::reductions {

using automata::Architecture;

namespace {

using automata::Perm;
using automata::perm_compose;
using automata::perm_cycle;
using automata::perm_identity;

/// The transformer attempt: layers of window doubling (exact for n ≤ 2^layers),
/// for actions on at most this many points (the MLP has points³ units).
constexpr std::size_t kWindowLayers = 4;
constexpr std::size_t kMaxWindowPoints = 8;  ///< a permutation of the point set, i ↦ p[i]

struct GroupAction {
  std::string group;  ///< "S5", "Z7", …
  std::size_t order = 0;
  bool solvable = true;
  bool cyclic = false;
  std::vector<std::string> letters;
  std::vector<Perm> action;  ///< per letter
};

std::vector<std::uint32_t> range(std::uint32_t n) {
  std::vector<std::uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

std::size_t parse_param(const std::string& name, const std::string& digits, std::size_t lo, std::size_t hi) {
  if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
    throw ProblemError(fmt::format("problem '{}': expected a number from {} to {} after the group letter", name, lo, hi));
  const std::size_t v = std::stoul(digits);
  if (v < lo || v > hi) throw ProblemError(fmt::format("problem '{}': {} is outside {} … {}", name, v, lo, hi));
  return v;
}

GroupAction group_action(const std::string& name, const std::string& g) {
  GroupAction a;
  a.group = g;
  if (g == "S3" || g == "S4" || g == "S5") {
    const std::uint32_t n = static_cast<std::uint32_t>(g[1] - '0');
    a.order = n == 3 ? 6 : n == 4 ? 24 : 120;
    a.solvable = n < 5;
    a.letters = {"s", "c"};
    a.action = {perm_cycle(n, {0, 1}), perm_cycle(n, range(n))};
  } else if (g == "A4") {
    a.order = 12;
    a.letters = {"t", "u"};
    a.action = {perm_cycle(4, {0, 1, 2}), perm_cycle(4, {1, 2, 3})};
  } else if (g == "A5") {
    a.order = 60;
    a.solvable = false;
    a.letters = {"t", "c"};
    a.action = {perm_cycle(5, {0, 1, 2}), perm_cycle(5, {0, 1, 2, 3, 4})};
  } else if (g == "A4xZ5") {
    a.order = 60;
    a.letters = {"t", "u"};
    a.action = {perm_compose(perm_cycle(9, {0, 1, 2}), perm_cycle(9, range(5), 4)), perm_cycle(9, {1, 2, 3})};
  } else if (g.size() > 1 && g[0] == 'Z') {
    const std::size_t m = parse_param(name, g.substr(1), 1, 10000);
    a.order = m;
    a.cyclic = true;
    a.letters = {"a"};
    a.action = {perm_cycle(m, range(static_cast<std::uint32_t>(m)))};
  } else if (g.size() > 1 && g[0] == 'D') {
    const std::size_t n = parse_param(name, g.substr(1), 3, 10000);
    a.order = 2 * n;
    a.letters = {"r", "f"};
    Perm r(n), f(n);
    for (std::size_t i = 0; i < n; ++i) r[i] = static_cast<std::uint32_t>((i + 1) % n), f[i] = static_cast<std::uint32_t>((n - i) % n);
    a.action = {r, f};
  } else {
    throw ProblemError(fmt::format("problem '{}': unknown group '{}' (expected S3, S4, S5, A4, A5, A4xZ5, Z<m>, D<n>)", name, g));
  }
  return a;
}

/// The action of a letter named after a group element (the `:all` alphabets
/// of automata/languages.hpp): one-line notation for permutations, k for Z_m,
/// r<k> / s<k> for D_n, "<perm>.<k>" for A4×Z5.
Perm element_action(const GroupAction& a, const std::string& letter) {
  const std::string& g = a.group;
  auto perm = [&](const std::string& digits, std::size_t size) {
    Perm p(size);
    for (std::size_t i = 0; i < digits.size(); ++i) p[i] = static_cast<std::uint32_t>(digits[i] - '0');
    for (std::size_t i = digits.size(); i < size; ++i) p[i] = static_cast<std::uint32_t>(i);
    return p;
  };
  if (g[0] == 'S' || g == "A4" || g == "A5") return perm(letter, a.action[0].size());
  const std::size_t n = a.action[0].size();
  if (g[0] == 'Z') {
    Perm p(n);
    const std::size_t k = std::stoul(letter);
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint32_t>((i + k) % n);
    return p;
  }
  if (g[0] == 'D') {
    const std::size_t k = std::stoul(letter.substr(1));
    Perm p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint32_t>(letter[0] == 'r' ? (i + k) % n : (k + n - i) % n);
    return p;
  }
  // A4xZ5: points 0..3 carry the permutation, 4..8 the residue
  const auto dot = letter.find('.');
  Perm p = perm(letter.substr(0, dot), 9);
  const std::size_t k = std::stoul(letter.substr(dot + 1));
  for (std::size_t i = 0; i < 5; ++i) p[4 + i] = static_cast<std::uint32_t>(4 + (i + k) % 5);
  return p;
}

bool is_even(const Perm& p) {
  std::size_t inversions = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    for (std::size_t j = i + 1; j < p.size(); ++j) inversions += p[i] > p[j];
  return inversions % 2 == 0;
}

/// The permutations of `points` points (only the even ones when even_only)
/// in lexicographic order: the numbering of the word:G:all letters of S_n and
/// A_n (automata/languages.hpp).
std::vector<Perm> lexicographic(std::size_t points, bool even_only) {
  std::vector<Perm> out;
  Perm p = perm_identity(points);
  do {
    if (!even_only || is_even(p)) out.push_back(p);
  } while (std::next_permutation(p.begin(), p.end()));
  return out;
}

/// The index of a group element, given as its permutation of the points, in
/// the word:G:all alphabet (the step labels; 0 is the identity):
///   S_n, A4, A5  its rank among the group's permutations in lexicographic
///                order of their one-line notation
///   Z_m          k, for i ↦ i + k
///   D_n          k for r<k> (i ↦ i + k), n + k for s<k> (i ↦ k − i)
///   A4×Z5        5 · (the rank of its A4 part among the even permutations of
///                4 points) + k, its Z5 part being +k
/// Computed from the permutation alone, not from an automaton.
class ElementIndex {
 public:
  explicit ElementIndex(const GroupAction& a) : group_(a.group), points_(a.action[0].size()) {
    if (group_[0] == 'S') table_ = lexicographic(points_, false);
    else if (group_ == "A4" || group_ == "A5") table_ = lexicographic(points_, true);
    else if (group_ == "A4xZ5") table_ = lexicographic(4, true);
  }
  std::int64_t operator()(const Perm& p) const {
    if (group_[0] == 'Z') return p[0];
    if (group_[0] == 'D') {
      const std::size_t n = points_, k = p[0];
      return p[1] == (k + 1) % n ? std::int64_t(k) : std::int64_t(n + k);
    }
    if (group_ == "A4xZ5") return 5 * rank(Perm(p.begin(), p.begin() + 4)) + (p[4] - 4);
    return rank(p);
  }

 private:
  std::int64_t rank(const Perm& p) const {
    return std::lower_bound(table_.begin(), table_.end(), p) - table_.begin();
  }
  std::string group_;
  std::size_t points_;
  std::vector<Perm> table_;  ///< sorted
};

bool all_letters(const std::string& name) { return name.size() > 4 && name.ends_with(":all"); }
std::string group_of(const std::string& name) {
  return name.substr(5, name.size() - 5 - (all_letters(name) ? 4 : 0));
}

class WordProblem final : public LanguageProblem {
 public:
  explicit WordProblem(const std::string& name)
      : LanguageProblem(name), group_(group_action(name, group_of(name))), index_(group_) {
    info_.name = name;
    info_.family = all_letters(name) ? "word:G:all" : "word:G";
    if (all_letters(name)) {
      // one letter per element, named as in automata/languages.hpp
      group_.letters = alphabet();
      std::vector<Perm> acts;
      for (const auto& l : group_.letters) acts.push_back(element_action(group_, l));
      group_.action = std::move(acts);
    }
    // the class over this alphabet (with one generator, Z_m's problem is
    // "length ≡ 0 mod m": AC0)
    set_class_from_monoid(fmt::format("the word problem of {}", group_.group));
    info_.instance_format = word_format(name, group_.letters);
    info_.steps = fmt::format("the running product of the prefix, as the index of that element of {} in the word:{}:all "
                              "alphabet (0 = the identity; docs/problems.md)",
                              group_.group, group_.group);
    info_.constructions = {
        {"pd", Architecture::Pd, fmt::format("PD-LRNN, one layer, width |G| = {}, exact 0/1 (Merrill et al. Thms 6-8; Terzic et al.)", group_.order)},
        {"householder", Architecture::Dplr, "DPLR LRNN: each letter's permutation of G as Householder reflections I - k k^T (Grazzi et al.)"}};
    // the lookup RNN has |G|·|letters| + 1 units (dfa_to_relu_rnn's limit is 2048)
    if (group_.order * group_.letters.size() + 1 <= 2048)
      info_.constructions.push_back({"relu-rnn", Architecture::Rnn, "ReLU RNN with a one-hot (element, letter) lookup"});
    if (group_.cyclic) {
      info_.constructions.push_back({"rotation", Architecture::Complex, "complex diagonal LRNN: rotation by 2*pi/m per letter (irrational for most m)"});
      if (group_.order <= 2) info_.constructions.push_back({"diag", Architecture::Diag11, "diagonal LRNN with eigenvalue -1"});
    }
    if (group_.action[0].size() <= kMaxWindowPoints)
      info_.constructions.push_back(
          {"transformer", Architecture::Transformer, fmt::format("{}-layer transformer: each layer fetches the product of the window 2^l positions "
                                                                 "back by hard attention and multiplies permutation matrices in a ReLU MLP; exact "
                                                                 "for n <= {} only (a fixed number of layers: TC0)",
                                                                 kWindowLayers, std::size_t(1) << kWindowLayers)});
    info_.constructions.push_back(
        {"diag01", Architecture::Diag01, "diagonal LRNN with eigenvalues in [0,1], fitted to short words (not exact for a non-trivial group: "
                                         "the state on a repeated letter converges, while the group keeps cycling; Grazzi et al., ICLR 2025, "
                                         "Thm 1)"});
  }

 private:
  std::size_t transformer_exact_max_length() const override { return std::size_t(1) << kWindowLayers; }
  models::TransformerSpec transformer_model(std::size_t n) const override {
    return models::window_product_transformer(group_.letters, group_.action, kWindowLayers, std::max<std::size_t>(n, 1));
  }
  bool solve_word(const std::vector<std::uint32_t>& w) const override {
    Perm p = perm_identity(group_.action[0].size());
    for (auto x : w) p = perm_compose(p, group_.action[x]);
    return p == perm_identity(p.size());
  }
  // steps: the running product, as a permutation of the points
  Running step_start() const override { return perm_identity(group_.action[0].size()); }
  void step(Running& p, std::uint32_t x) const override { p = perm_compose(p, group_.action[x]); }
  std::int64_t step_label(const Running& p) const override { return index_(p); }

 public:
  /// A prefix is a yes-instance iff its product is the identity, index 0.
  bool step_answer(const Instance&, std::int64_t label) const override { return label == 0; }

 private:
  GroupAction group_;
  ElementIndex index_;
};

}  // namespace

std::unique_ptr<Problem> make_word_problem(const std::string& name) {
  if (!name.starts_with("word:")) return nullptr;
  return std::make_unique<WordProblem>(name);
}

}  // namespace parallax::reductions
