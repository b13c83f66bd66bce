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

Instance LanguageProblem::generate(std::size_t n, std::uint64_t seed, bool yes) const {
  std::shared_ptr<const automata::WordSampler> cached;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (const auto it = samplers_.find(n); it != samplers_.end()) cached = it->second;
  }
  if (!cached) {
    cached = std::make_shared<const automata::WordSampler>(dfa(), n);
    std::lock_guard<std::mutex> lock(mu_);
    if (samplers_.size() >= 4) samplers_.erase(samplers_.begin());
    samplers_.emplace(n, cached);
  }
  const automata::WordSampler& sampler = *cached;
  if (yes ? !sampler.has_accepted() : !sampler.has_rejected())
    throw ProblemError(fmt::format("{}: no {}-instance of size {} exists", info_.name, yes ? "yes" : "no", n));
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), static_cast<std::uint32_t>(n),
                    static_cast<std::uint32_t>(yes)};
  std::mt19937_64 rng(seq);
  return word_instance(info_.name, alphabet(), sampler.sample(yes, rng));
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
