// word:G — is the product of a word over generators of a finite group G the
// identity? NC¹-complete for non-solvable G (Barrington 1989), in ACC⁰ for
// solvable G (Barrington–Thérien).
//
// The reference solver multiplies the letters as permutations of a small
// point set on which G acts faithfully (the symmetric groups on their n
// points, Z_m on m points, D_n on the n-gon's vertices, A4×Z5 on 4 + 5
// points), independently of the automaton the models are compiled from.
#include <fmt/format.h>

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

bool all_letters(const std::string& name) { return name.size() > 4 && name.ends_with(":all"); }
std::string group_of(const std::string& name) {
  return name.substr(5, name.size() - 5 - (all_letters(name) ? 4 : 0));
}

class WordProblem final : public LanguageProblem {
 public:
  explicit WordProblem(const std::string& name) : LanguageProblem(name), group_(group_action(name, group_of(name))) {
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

  GroupAction group_;
};

}  // namespace

std::unique_ptr<Problem> make_word_problem(const std::string& name) {
  if (!name.starts_with("word:")) return nullptr;
  return std::make_unique<WordProblem>(name);
}

}  // namespace parallax::reductions
