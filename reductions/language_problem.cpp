#include "reductions/language_problem.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "automata/classify.hpp"
#include "automata/languages.hpp"
#include "automata/minimize.hpp"
#include "automata/sample.hpp"

namespace parallax::reductions {

std::vector<std::uint32_t> read_word(const Instance& in, const std::string& problem,
                                     const std::vector<std::string>& alphabet) {
  if (!in.is_object()) throw ProblemError(problem + ": an instance is a JSON object " + word_format(problem, alphabet));
  if (in.contains("problem") && in["problem"] != problem)
    throw ProblemError(fmt::format("field /problem: instance of '{}', expected '{}'", in["problem"].dump(), problem));
  if (!in.contains("word")) throw ProblemError("missing field \"word\"");
  const auto& w = in["word"];
  std::vector<std::string> items;
  if (w.is_string()) {
    for (char c : w.get<std::string>()) items.emplace_back(1, c);
  } else if (w.is_array()) {
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (!w[i].is_string()) throw ProblemError(fmt::format("field /word/{}: expected a letter name", i));
      items.push_back(w[i].get<std::string>());
    }
  } else {
    throw ProblemError("field /word: expected a string of letters or an array of letter names");
  }
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto it = std::find(alphabet.begin(), alphabet.end(), items[i]);
    if (it == alphabet.end())
      throw ProblemError(fmt::format("field /word/{}: '{}' is not a letter of {} ({})", i, items[i], problem,
                                     fmt::join(alphabet, ", ")));
    out.push_back(static_cast<std::uint32_t>(it - alphabet.begin()));
  }
  return out;
}

Instance word_instance(const std::string& problem, const std::vector<std::string>& alphabet,
                       const std::vector<std::uint32_t>& word) {
  bool single = true;
  for (const auto& l : alphabet) single = single && l.size() == 1;
  if (single) {
    std::string letters;
    for (auto x : word) letters += alphabet[x];
    return {{"problem", problem}, {"word", letters}};
  }
  std::vector<std::string> letters;
  for (auto x : word) letters.push_back(alphabet[x]);
  return {{"problem", problem}, {"word", letters}};
}

std::string word_format(const std::string& problem, const std::vector<std::string>& alphabet) {
  return R"({"problem": ")" + problem + R"(", "word": "<letters>" or ["<letter>", ...]} over )" +
         fmt::format("{{{}}}", fmt::join(alphabet, ", "));
}

void require_construction(const ProblemInfo& info, const std::string& construction) {
  std::vector<std::string> names;
  for (const auto& c : info.constructions) {
    if (c.name == construction) return;
    names.push_back(c.name);
  }
  throw ProblemError(fmt::format("{}: unknown construction '{}' (expected one of {})", info.name, construction,
                                 fmt::join(names, ", ")));
}

const automata::Dfa& LanguageProblem::dfa() const {
  std::call_once(dfa_once_, [&] { dfa_ = automata::minimize(automata::language(language_)); });
  return dfa_;
}

void LanguageProblem::set_class_from_monoid(const std::string& what) {
  const auto cls = automata::summarize(dfa()).circuit_class;
  info_.complexity = cls;
  info_.claim = cls == automata::ComplexityClass::NC1Complete
                    ? what + ": a non-solvable group divides the syntactic monoid, so NC1-complete (Barrington 1989)"
                : cls == automata::ComplexityClass::ACC0
                    ? what + ": only solvable groups in the syntactic monoid, so in ACC0 (Barrington-Therien 1988); "
                             "not quasi-aperiodic, so not in AC0 (Barrington-Compton-Straubing-Therien 1992)"
                    : what + ": quasi-aperiodic syntactic morphism, so in AC0 (Barrington-Compton-Straubing-Therien 1992)";
}

std::shared_ptr<const automata::WordSampler> LanguageProblem::sampler(
    const automata::Dfa& d, std::size_t n, std::map<std::size_t, std::shared_ptr<const automata::WordSampler>>& cache) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (const auto it = cache.find(n); it != cache.end()) return it->second;
  }
  auto built = std::make_shared<const automata::WordSampler>(d, n);
  std::lock_guard<std::mutex> lock(mu_);
  if (cache.size() >= 4) cache.erase(cache.begin());
  cache.emplace(n, built);
  return built;
}

Instance LanguageProblem::generate(std::size_t n, std::uint64_t seed, bool yes) const {
  const auto s = sampler(dfa(), n, samplers_);
  if (yes ? !s->has_accepted() : !s->has_rejected())
    throw ProblemError(fmt::format("{}: no {}-instance of size {} exists", info_.name, yes ? "yes" : "no", n));
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                    static_cast<std::uint32_t>(yes)};
  std::mt19937_64 rng(seq);
  return word_instance(info_.name, alphabet(), s->sample(yes, rng));
}

const automata::Dfa* LanguageProblem::matched_dfa() const {
  std::call_once(matched_once_, [&] {
    const automata::Dfa& d = dfa();
    const std::size_t q = d.states;
    if (q > 1024 || std::count(d.accepting.begin(), d.accepting.end(), true) != 1 || !d.accepting[d.start]) return;
    for (const auto& row : d.delta) {  // every letter a permutation of the states: a group
      std::vector<bool> hit(q, false);
      for (const auto t : row) hit[t] = true;
      if (std::find(hit.begin(), hit.end(), false) != hit.end()) return;
    }
    // the states are the group's elements (start = identity); R[x][s] = s·x, built along a
    // breadth-first tree of words from the start
    std::vector<std::vector<std::uint32_t>> R(q);
    R[d.start].resize(q);
    for (std::uint32_t s = 0; s < q; ++s) R[d.start][s] = s;
    std::vector<std::uint32_t> order{d.start};
    for (std::size_t i = 0; i < order.size(); ++i)
      for (const auto& row : d.delta) {
        const std::uint32_t y = row[order[i]];
        if (!R[y].empty()) continue;
        R[y].resize(q);
        for (std::uint32_t s = 0; s < q; ++s) R[y][s] = row[R[order[i]][s]];
        order.push_back(y);
      }
    if (order.size() != q) return;  // not every state reachable: not a group's table
    std::vector<std::uint32_t> inv(q);
    for (std::uint32_t x = 0; x < q; ++x)
      for (std::uint32_t z = 0; z < q; ++z)
        if (R[x][z] == d.start) inv[x] = z;
    // [G,G]: the subgroup the commutators x y x⁻¹ y⁻¹ generate
    std::vector<std::uint32_t> commutators;
    std::vector<bool> is_commutator(q, false);
    for (std::uint32_t x = 0; x < q; ++x)
      for (std::uint32_t y = 0; y < q; ++y) {
        const std::uint32_t c = R[inv[y]][R[inv[x]][R[y][x]]];
        if (!is_commutator[c]) is_commutator[c] = true, commutators.push_back(c);
      }
    std::vector<bool> in_k(q, false);
    std::vector<std::uint32_t> k{d.start};
    in_k[d.start] = true;
    for (std::size_t i = 0; i < k.size(); ++i)
      for (const auto c : commutators)
        if (const auto p = R[c][k[i]]; !in_k[p]) in_k[p] = true, k.push_back(p);
    if (k.size() < 2) return;  // abelian: [G,G] is trivial, nothing to match
    automata::Dfa m = d;
    for (std::uint32_t s = 0; s < q; ++s) m.accepting[s] = in_k[s] && s != d.start;
    commutator_order_ = k.size();
    matched_ = std::move(m);
  });
  return matched_ ? &*matched_ : nullptr;
}

Instance LanguageProblem::generate_matched_no(std::size_t n, std::uint64_t seed) const {
  const automata::Dfa* m = matched_dfa();
  if (!m) return generate(n, seed, false);
  const auto s = sampler(*m, n, matched_samplers_);
  if (!s->has_accepted())
    throw ProblemError(fmt::format("{}: no no-instance of size {} with its product in the commutator subgroup exists", info_.name, n));
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n), 2u};
  std::mt19937_64 rng(seq);
  return word_instance(info_.name, alphabet(), s->sample(true, rng));
}

std::string LanguageProblem::matched_negatives() const {
  if (!matched_dfa()) return {};
  return fmt::format("the product lies in the commutator subgroup [G,G] ({} of the {} elements) and is not the identity: no letter "
                     "count modulo anything tells it from a yes-instance",
                     commutator_order_, dfa().states);
}

namespace {
[[noreturn]] void not_stepwise(const std::string& problem) {
  throw ProblemError(problem + " is not a stepwise problem (it has no label per position)");
}
}  // namespace

LanguageProblem::Running LanguageProblem::step_start() const { not_stepwise(info_.name); }
void LanguageProblem::step(Running&, std::uint32_t) const { not_stepwise(info_.name); }
std::int64_t LanguageProblem::step_label(const Running&) const { not_stepwise(info_.name); }

std::vector<std::int64_t> LanguageProblem::solve_steps(const Instance& in) const {
  const auto word = read_word(in, info_.name, alphabet());
  if (info_.steps.empty()) return {};
  std::vector<std::int64_t> labels;
  labels.reserve(word.size());
  Running value = step_start();
  for (const auto x : word) {
    step(value, x);
    labels.push_back(step_label(value));
  }
  return labels;
}

const std::vector<std::int64_t>& LanguageProblem::state_labels() const {
  std::call_once(labels_once_, [&] {
    const automata::Dfa& d = dfa();
    std::vector<std::int64_t> labels(d.states, -1);
    std::vector<Running> value(d.states);
    std::vector<char> seen(d.states, 0);
    // the start state's running value is the empty word's; it is labelled
    // only when a nonempty word leads back to it
    std::vector<std::uint32_t> queue{d.start};
    seen[d.start] = 1;
    value[d.start] = step_start();
    for (std::size_t i = 0; i < queue.size(); ++i) {
      const std::uint32_t q = queue[i];
      const Running here = std::move(value[q]);  // only the frontier's values are kept
      value[q] = Running();
      for (std::uint32_t a = 0; a < d.alphabet.size(); ++a) {
        Running next = here;
        step(next, a);
        const std::int64_t label = step_label(next);
        const std::uint32_t to = d.delta[a][q];
        if (labels[to] == -1) {
          labels[to] = label;
        } else if (labels[to] != label) {
          throw ProblemError(fmt::format("{}: the label after a word is not a function of the automaton's state (state {} "
                                         "carries labels {} and {}), so a one-hot model's state cannot be read as a label",
                                         info_.name, to, labels[to], label));
        }
        if (!seen[to]) {
          seen[to] = 1;
          value[to] = std::move(next);
          queue.push_back(to);
        }
      }
    }
    state_labels_ = std::move(labels);
  });
  return state_labels_;
}

std::shared_ptr<const automata::CompiledModel> transformer_compiled(models::TransformerSpec spec, std::size_t exact_max_length) {
  try {
    models::validate(spec);
  } catch (const models::TransformerError& e) {
    throw ProblemError(e.what());
  }
  std::string description = spec.description;
  return std::make_shared<const automata::CompiledModel>(automata::CompiledModel{
      std::move(spec), automata::Architecture::Transformer, std::move(description), exact_max_length});
}

models::TransformerSpec LanguageProblem::transformer_model(std::size_t) const {
  throw ProblemError(fmt::format("{}: no transformer construction", info_.name));
}

Encoding LanguageProblem::encode(const Instance& in, const std::string& construction) const {
  require_construction(info_, construction);
  const auto word = read_word(in, info_.name, alphabet());
  if (construction == "transformer") {
    try {
      return {transformers_.get(word.size(), [&](std::size_t n) { return transformer_model(n); },
                                transformer_exact_max_length()),
              word};
    } catch (const models::TransformerError& e) {
      throw ProblemError(e.what());
    }
  }
  // the pd and householder models are one-hot over the minimal DFA's states,
  // in its numbering (automata/compile.hpp)
  const bool one_hot = !info_.steps.empty() && (construction == "pd" || construction == "householder");
  std::vector<std::int64_t> labels = one_hot ? state_labels() : std::vector<std::int64_t>{};
  std::lock_guard lock(mu_);
  auto& m = models_[construction];
  if (!m) {
    try {
      m = std::make_shared<const automata::CompiledModel>(automata::compile(dfa(), automata::parse_model_kind(construction)));
    } catch (const automata::CompileRefused& e) {
      throw ProblemError(e.what());
    }
  }
  return {m, word, std::move(labels)};
}

}  // namespace parallax::reductions
