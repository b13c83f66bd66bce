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
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>

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
using automata::perm_inverse;

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
bool perm_letters(const std::string& name) { return name.size() > 5 && name.ends_with(":perm"); }
std::string group_of(const std::string& name) {
  return name.substr(5, name.size() - 5 - (all_letters(name) ? 4 : perm_letters(name) ? 5 : 0));
}

/// The constructions of the word problem of `g` over `letters` letters.
std::vector<ConstructionInfo> word_constructions(const GroupAction& g, std::size_t letters) {
  std::vector<ConstructionInfo> c = {
      {"pd", Architecture::Pd, fmt::format("PD-LRNN, one layer, width |G| = {}, exact 0/1 (Merrill et al. Thms 6-8; Terzic et al.)", g.order)},
      {"householder", Architecture::Dplr, "DPLR LRNN: each letter's permutation of G as Householder reflections I - k k^T (Grazzi et al.)"}};
  // the lookup RNN has |G|·|letters| + 1 units (dfa_to_relu_rnn's limit is 2048)
  if (g.order * letters + 1 <= 2048) c.push_back({"relu-rnn", Architecture::Rnn, "ReLU RNN with a one-hot (element, letter) lookup"});
  if (g.cyclic) {
    c.push_back({"rotation", Architecture::Complex, "complex diagonal LRNN: rotation by 2*pi/m per letter (irrational for most m)"});
    if (g.order <= 2) c.push_back({"diag", Architecture::Diag11, "diagonal LRNN with eigenvalue -1"});
  }
  // the window-product MLP multiplies permutation matrices of 2 to 8 points (Z1 acts on one)
  if (g.action[0].size() >= 2 && g.action[0].size() <= kMaxWindowPoints)
    c.push_back({"transformer", Architecture::Transformer,
                 fmt::format("{}-layer transformer: each layer fetches the product of the window 2^l positions "
                             "back by hard attention and multiplies permutation matrices in a ReLU MLP; exact "
                             "for n <= {} only (a fixed number of layers: TC0)",
                             kWindowLayers, std::size_t(1) << kWindowLayers)});
  c.push_back({"diag01", Architecture::Diag01, "diagonal LRNN with eigenvalues in [0,1], fitted to short words (not exact for a non-trivial group: "
                                               "the state on a repeated letter converges, while the group keeps cycling; Grazzi et al., ICLR 2025, "
                                               "Thm 1)"});
  return c;
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
    info_.constructions = word_constructions(group_, group_.letters.size());
  }

  /// The letters, in token order, and the permutation of the point set each one is.
  const std::vector<std::string>& letters() const { return group_.letters; }
  const std::vector<Perm>& letter_actions() const { return group_.action; }

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

// ---- word:G:perm ---------------------------------------------------------------

/// G as a set of permutations of its point set, numbered 0 … |G|−1 with the
/// identity 0: the small groups (S_n, A_n, A4×Z5) by their sorted closure
/// (automata/perm_group.hpp), Z_m and D_n by their formula i ↦ ε·i + k
/// (mod n), numbered k for the rotations and n + k for the reflections, so
/// that D10000's 20000 elements of 10000 points each are never listed.
class GroupElements {
 public:
  explicit GroupElements(const GroupAction& g) : order_(g.order), degree_(g.action[0].size()) {
    if (g.group[0] == 'Z')
      kind_ = Kind::Cyclic;
    else if (g.group[0] == 'D')
      kind_ = Kind::Dihedral;
    else
      table_ = automata::generate_group(g.action, degree_, g.order).elements;
    if (kind_ == Kind::Table && table_.size() != order_) throw std::logic_error("word:G:perm: the generators do not give |G| elements");
  }
  std::size_t order() const { return order_; }
  std::size_t degree() const { return degree_; }

  Perm element(std::size_t x) const {
    if (kind_ == Kind::Table) return table_[x];
    Perm p(degree_);
    const std::size_t n = degree_, k = x % n;
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint32_t>(x < n ? (i + k) % n : (k + n - i) % n);
    return p;
  }
  /// The number of a permutation of the right degree; nullopt when it is not in G.
  std::optional<std::size_t> index(const Perm& p) const {
    if (kind_ == Kind::Table) {
      const auto it = std::lower_bound(table_.begin(), table_.end(), p);
      if (it == table_.end() || *it != p) return std::nullopt;
      return static_cast<std::size_t>(it - table_.begin());
    }
    const std::size_t n = degree_, k = p[0];
    // i ↦ i + k, or (D_n only) i ↦ k − i: the image of 1 tells which
    const bool reflection = kind_ == Kind::Dihedral && n > 1 && p[1] == (k + n - 1) % n;
    const std::size_t x = reflection ? n + k : k;
    for (std::size_t i = 0; i < n; ++i)
      if (p[i] != (reflection ? (k + n - i) % n : (i + k) % n)) return std::nullopt;
    return x;
  }
  /// The number of "x then y", without building permutations for Z_m and D_n.
  std::size_t then(std::size_t x, std::size_t y) const {
    if (kind_ == Kind::Table) return *index(perm_compose(table_[x], table_[y]));
    const std::size_t n = degree_, kx = x % n, ky = y % n;
    const bool xs = x >= n, ys = y >= n;
    // y(x(i)) = ε_y(ε_x i + k_x) + k_y
    return (xs != ys ? n : 0) + ((ys ? n - kx : kx) + ky) % n;
  }
  /// Why a permutation of the point set is not in G, for the error message.
  std::string why_not(const std::string& group) const {
    if (group[0] == 'A' && group.size() == 2) return fmt::format("an odd permutation; {} holds the even ones", group);
    if (kind_ == Kind::Cyclic) return fmt::format("not a rotation i -> i + k (mod {})", degree_);
    if (kind_ == Kind::Dihedral) return fmt::format("not a rotation i -> i + k or a reflection i -> k - i (mod {})", degree_);
    return "points 0..3 must carry an even permutation of themselves and points 4..8 a rotation of themselves";  // A4xZ5
  }

 private:
  enum class Kind { Table, Cyclic, Dihedral };
  Kind kind_ = Kind::Table;
  std::size_t order_, degree_;
  std::vector<Perm> table_;  ///< sorted: the identity first
};

/// The point set of each group, for the instance format and messages.
std::string point_set(const GroupAction& g) {
  const std::size_t n = g.action[0].size();
  if (g.group == "A4xZ5") return "the 9 points 0..8 (A4 on 0..3, Z5 rotating 4..8)";
  if (g.group[0] == 'D') return fmt::format("the {} vertices 0..{} of the {}-gon", n, n - 1, n);
  return fmt::format("the {} points 0..{}", n, n - 1);
}

/// Up to 12 images of a permutation, for messages (D10000's letters have 10000).
std::string show_perm(const Perm& p) {
  if (p.size() <= 12) return fmt::format("[{}]", fmt::join(p, ", "));
  return fmt::format("[{}, ...] ({} images)", fmt::join(p.begin(), p.begin() + 12, ", "), p.size());
}

/// The most transitions (states × letters) of the per-instance PD model of a
/// group without a word:G:all alphabet: its token tables hold two exact
/// rationals per transition.
constexpr std::size_t kMaxInstanceTransitions = std::size_t{1} << 18;

/// word:G:perm — the word problem of G with every element a letter, given as
/// a permutation of G's point set in one-line notation. Where word:G:all
/// exists (|G|² transitions within the limit of automata/languages.hpp), each
/// letter becomes the :all letter of the same element and encode delegates to
/// word:G:all's constructions; for larger groups (Z_m, D_n of thousands of
/// elements) the only construction is a PD-LRNN over the instance's own
/// distinct letters.
class PermWordProblem final : public Problem {
 public:
  explicit PermWordProblem(const std::string& name)
      : group_(group_action(name, group_of(name))), elements_(group_),
        has_all_(group_.order <= automata::max_language_transitions / group_.order), index_(group_) {
    info_.name = name;
    info_.family = "word:G:perm";
    info_.steps = fmt::format("the running product of the prefix, as the index of that element of {} in the word:{}:all "
                              "alphabet (0 = the identity; docs/problems.md)",
                              group_.group, group_.group);
    // every element is a letter, so the syntactic monoid is G itself: the
    // class follows from G alone (the same as word:G:all's, whose monoid is
    // not enumerated here: Z3000's takes half a minute)
    const bool trivial = group_.order == 1;
    info_.complexity = !group_.solvable ? automata::ComplexityClass::NC1Complete
                       : trivial        ? automata::ComplexityClass::AC0
                                        : automata::ComplexityClass::ACC0;
    const std::string what = fmt::format("the word problem of {} with every element a letter", group_.group);
    info_.claim = !group_.solvable ? what + ": its syntactic monoid is the non-solvable group itself, so NC1-complete (Barrington 1989)"
                  : trivial        ? what + ": the trivial group, every word is a yes-instance, so in AC0"
                                   : what + ": its syntactic monoid is a non-trivial solvable group, so in ACC0 (Barrington-Therien "
                                            "1988) and not in AC0 (Barrington-Compton-Straubing-Therien 1992)";
    info_.instance_format =
        fmt::format(R"({{"problem": "{}", "word": [[<images>], ...]}} with each letter a permutation of {} in one-line notation (i -> p[i]) )"
                    "that is an element of {}, e.g. {}",
                    name, point_set(group_), group_.group, show_perm(elements_.element(group_.order > 1 ? 1 : 0)));
    if (has_all_) {
      for (auto c : word_constructions(group_, group_.order)) {  // word:G:all's: one letter per element
        c.description = fmt::format("each letter as its word:{}:all letter, run by word:{}:all's model: {}", group_.group, group_.group,
                                    c.description);
        info_.constructions.push_back(std::move(c));
      }
    } else {
      info_.constructions = {
          {"pd", Architecture::Pd,
           fmt::format("PD-LRNN, one layer, width |G| = {}, exact 0/1, over this instance's distinct letters (|G| is too large for a "
                       "word:{}:all alphabet); at most {} (|G| x distinct letters) transitions",
                       group_.order, group_.group, kMaxInstanceTransitions)}};
    }
  }
  const ProblemInfo& info() const override { return info_; }

  Instance generate(std::size_t n, std::uint64_t seed, bool yes) const override {
    if (!yes && (n == 0 || group_.order == 1))
      throw ProblemError(fmt::format("{}: no no-instance of size {} exists", info_.name, n));
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                      static_cast<std::uint32_t>(yes)};
    std::mt19937_64 rng(seq);
    // Uniform within each answer: n − 1 uniform elements, then the last is
    // the inverse of their product (yes) or uniform among the |G| − 1 others
    // (no); every word of the answer has exactly one such draw.
    std::uniform_int_distribution<std::size_t> any(0, group_.order - 1);
    nlohmann::json word = nlohmann::json::array();
    std::size_t product = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const std::size_t x = any(rng);
      product = elements_.then(product, x);
      word.push_back(elements_.element(x));
    }
    if (n > 0) {
      const std::size_t inverse = *elements_.index(perm_inverse(elements_.element(product)));
      std::size_t last = inverse;
      if (!yes) {
        last = std::uniform_int_distribution<std::size_t>(0, group_.order - 2)(rng);
        if (last >= inverse) ++last;
      }
      word.push_back(elements_.element(last));
    }
    return {{"problem", info_.name}, {"word", std::move(word)}};
  }

  void validate(const Instance& in) const override { (void)read(in); }

  /// Letters applied left to right, as word:G multiplies them.
  bool solve(const Instance& in) const override {
    const auto letters = read(in);
    Perm p = perm_identity(elements_.degree());
    for (const auto& a : letters) p = perm_compose(p, a);
    return p == perm_identity(p.size());
  }

  /// The running product after every letter, numbered as word:G:all's letters.
  std::vector<std::int64_t> solve_steps(const Instance& in) const override {
    const auto letters = read(in);
    std::vector<std::int64_t> out;
    out.reserve(letters.size());
    Perm p = perm_identity(elements_.degree());
    for (const auto& a : letters) {
      p = perm_compose(p, a);
      out.push_back(index_(p));
    }
    return out;
  }
  bool step_answer(const Instance&, std::int64_t label) const override { return label == 0; }

  Encoding encode(const Instance& in, const std::string& construction) const override {
    require_construction(info_, construction);
    const auto letters = read(in);
    if (!has_all_) return encode_instance_pd(letters);
    const WordProblem& all = all_problem();
    std::vector<std::uint32_t> word;
    word.reserve(letters.size());
    for (const auto& a : letters) word.push_back(all_letter_[*elements_.index(a)]);
    return all.encode(word_instance(all.info().name, all.letters(), word), construction);
  }

 private:
  /// The letters of a valid instance; ProblemError names the field (JSON
  /// pointer) and the letter's index.
  std::vector<Perm> read(const Instance& in) const {
    const std::string& name = info_.name;
    if (!in.is_object()) throw ProblemError(name + ": an instance is a JSON object " + info_.instance_format);
    if (in.contains("problem") && in["problem"] != name)
      throw ProblemError(fmt::format("field /problem: instance of '{}', expected '{}'", in["problem"].dump(), name));
    if (!in.contains("word")) throw ProblemError("missing field \"word\"");
    const auto& w = in["word"];
    const std::size_t degree = elements_.degree();
    if (!w.is_array())
      throw ProblemError(fmt::format("field /word: expected an array of letters, each a permutation of {} in one-line notation, found {}",
                                     point_set(group_), w.type_name()));
    std::vector<Perm> out;
    out.reserve(w.size());
    std::vector<std::size_t> first(degree);  // where each image was seen, + 1
    for (std::size_t i = 0; i < w.size(); ++i) {
      const auto& l = w[i];
      if (!l.is_array())
        throw ProblemError(fmt::format("field /word/{}: expected a permutation of {} in one-line notation (an array of {} integers), found {}",
                                       i, point_set(group_), degree, l.type_name()));
      if (l.size() != degree)
        throw ProblemError(fmt::format("field /word/{}: {} images, expected {} (a permutation of {} of {})", i, l.size(), degree,
                                       point_set(group_), group_.group));
      Perm p(degree);
      std::fill(first.begin(), first.end(), 0);
      for (std::size_t j = 0; j < degree; ++j) {
        const auto& x = l[j];
        // a JSON reader gives 3 as unsigned, a C++ or Python caller may give it signed
        const bool in_range = x.is_number_unsigned() ? x.get<std::uint64_t>() < degree
                              : x.is_number_integer() && x.get<std::int64_t>() >= 0 &&
                                    static_cast<std::uint64_t>(x.get<std::int64_t>()) < degree;
        if (!in_range)
          throw ProblemError(fmt::format("field /word/{}/{}: expected an integer from 0 to {}, found {}", i, j, degree - 1, x.dump()));
        p[j] = static_cast<std::uint32_t>(x.get<std::uint64_t>());
        if (first[p[j]] != 0)
          throw ProblemError(fmt::format("field /word/{}: not a permutation: {} is the image of both {} and {}", i, p[j], first[p[j]] - 1, j));
        first[p[j]] = j + 1;
      }
      if (!elements_.index(p))
        throw ProblemError(fmt::format("field /word/{}: {} is not an element of {} ({})", i, show_perm(p), group_.group,
                                       elements_.why_not(group_.group)));
      out.push_back(std::move(p));
    }
    return out;
  }

  /// word:G:all, built on first use (building Z3000's takes half a minute),
  /// and the :all letter of each element.
  const WordProblem& all_problem() const {
    std::call_once(all_once_, [&] {
      auto all = std::make_unique<WordProblem>(fmt::format("word:{}:all", group_.group));
      std::vector<std::uint32_t> letter(group_.order, 0);
      for (std::size_t l = 0; l < all->letter_actions().size(); ++l)
        letter[*elements_.index(all->letter_actions()[l])] = static_cast<std::uint32_t>(l);
      all_letter_ = std::move(letter);
      all_ = std::move(all);
    });
    return *all_;
  }

  /// A group without a word:G:all alphabet: the group's automaton restricted
  /// to the letters this instance uses (named like word:G:all's letters),
  /// compiled to a PD-LRNN of width |G|.
  Encoding encode_instance_pd(const std::vector<Perm>& letters) const {
    std::vector<std::size_t> distinct;  // element numbers, in order of first use
    std::map<std::size_t, std::uint32_t> token_of;
    std::vector<std::uint32_t> tokens;
    for (const auto& a : letters) {
      const std::size_t x = *elements_.index(a);
      const auto [it, added] = token_of.emplace(x, static_cast<std::uint32_t>(distinct.size()));
      if (added) distinct.push_back(x);
      tokens.push_back(it->second);
    }
    const std::size_t states = group_.order, used = std::max<std::size_t>(distinct.size(), 1);
    if (states > kMaxInstanceTransitions / used)
      throw ProblemError(fmt::format("{}: construction pd: this instance has {} distinct letters, and a PD-LRNN over them needs {} states x {} "
                                     "letters = {} transitions, above the limit of {} (|G| = {} is too large for a word:{}:all alphabet)",
                                     info_.name, distinct.size(), states, distinct.size(), states * distinct.size(),
                                     kMaxInstanceTransitions, group_.order, group_.group));
    if (distinct.empty()) distinct.push_back(0);  // the empty word: a model over the identity letter
    automata::Dfa d;
    d.name = info_.name;
    d.states = states;
    d.start = 0;
    d.accepting.assign(states, false);
    d.accepting[0] = true;
    const std::size_t n = elements_.degree();
    for (std::size_t x : distinct) {
      // named as word:G:all names the element: k for Z_m, r<k> / s<k> for D_n
      d.alphabet.push_back(group_.cyclic ? std::to_string(x) : fmt::format("{}{}", x < n ? 'r' : 's', x % n));
      std::vector<std::uint32_t> row(states);
      for (std::size_t q = 0; q < states; ++q) row[q] = static_cast<std::uint32_t>(elements_.then(q, x));
      d.delta.push_back(std::move(row));
    }
    try {
      return {std::make_shared<const automata::CompiledModel>(automata::compile(d, automata::ModelKind::Pd)), std::move(tokens)};
    } catch (const automata::CompileRefused& e) {
      throw ProblemError(e.what());
    }
  }

  GroupAction group_;
  GroupElements elements_;
  bool has_all_;  ///< whether word:G:all exists
  ElementIndex index_;  ///< the step labels: word:G:all's numbering
  ProblemInfo info_;
  mutable std::once_flag all_once_;
  mutable std::unique_ptr<WordProblem> all_;
  mutable std::vector<std::uint32_t> all_letter_;  ///< per element number: its token in word:G:all
};

}  // namespace

std::unique_ptr<Problem> make_word_problem(const std::string& name) {
  if (!name.starts_with("word:")) return nullptr;
  if (perm_letters(name)) return std::make_unique<PermWordProblem>(name);
  try {
    return std::make_unique<WordProblem>(name);
  } catch (const ProblemError&) {
    throw;
  } catch (const std::invalid_argument& e) {  // the built-in language refused it, e.g. word:Z5000:all (too many transitions)
    throw ProblemError(e.what());
  }
}

}  // namespace parallax::reductions
