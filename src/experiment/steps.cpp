#include "experiment/steps.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "numeric/dispatch.hpp"

namespace parallax::experiment {

std::string to_string(StepReadout r) {
  switch (r) {
    case StepReadout::State: return "state";
    case StepReadout::Decision: return "decision";
    case StepReadout::None: break;
  }
  return "none";
}

StepReadout step_readout(const automata::CompiledModel& model, const std::vector<std::int64_t>& state_labels) {
  const auto* lrnn = std::get_if<models::LrnnSpec>(&model.model);
  if (!state_labels.empty()) {
    if (!lrnn || lrnn->d != state_labels.size())
      throw std::invalid_argument(fmt::format("{}: {} state labels given for a model that is not an LRNN of that width, "
                                              "so its state cannot be read as a label",
                                              model.description, state_labels.size()));
    return StepReadout::State;
  }
  if (lrnn || std::holds_alternative<models::ReluRnn>(model.model)) return StepReadout::Decision;
  return StepReadout::None;
}

namespace {

/// The label of the certainly largest coordinate of h (its first d entries).
template <class T>
std::int64_t state_label(const std::vector<T>& h, const std::vector<std::int64_t>& labels) {
  const std::size_t d = labels.size();
  // the candidate by value; then every other coordinate must be certainly below it
  std::size_t best = d;
  double top = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double v = numeric::to_double(h[i]);
    if (std::isnan(v)) return kNoStepOutput;
    if (best == d || v > top) best = i, top = v;
  }
  if (best == d) return kNoStepOutput;
  for (std::size_t j = 0; j < d; ++j)
    if (j != best && numeric::sign(T(h[best] - h[j])) != numeric::Sign::Positive) return kNoStepOutput;
  return labels[best];
}

std::int64_t decision_of(numeric::Sign s) {
  const auto v = models::verdict_of(s);
  return v == models::Verdict::Accept ? 1 : v == models::Verdict::Reject ? 0 : kNoStepOutput;
}

}  // namespace

StepOutputs step_outputs(const automata::CompiledModel& model, const std::vector<std::uint32_t>& word,
                         const std::vector<std::int64_t>& state_labels, const numeric::Precision& p, bool parallel,
                         numeric::Status* status) {
  const StepReadout readout = step_readout(model, state_labels);
  if (readout == StepReadout::None)
    throw std::invalid_argument(fmt::format("{}: a {} has no output per position (it reads out at the last one only)",
                                            model.description, models::kind_name(model.model)));
  StepOutputs out;
  out.outputs.assign(word.size(), kNoStepOutput);
  numeric::dispatch(
      p,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        // the readout ⟨c, h⟩ + c0 in the order run_lrnn and the ReLU cell sum it
        auto readout_of = [](const std::vector<numeric::Exact>& c, const numeric::Exact& c0) {
          std::vector<T> cs;
          for (const auto& q : c) cs.push_back(numeric::from_exact<T>(q));
          return [cs = std::move(cs), c0 = numeric::from_exact<T>(c0)](const std::vector<T>& h) {
            T acc = c0;
            for (std::size_t i = 0; i < cs.size(); ++i) acc = acc + cs[i] * h[i];
            return acc;
          };
        };
        // each sink writes slot t only: the parallel scan calls it from its threads
        std::optional<T> score;
        if (const auto* lrnn = std::get_if<models::LrnnSpec>(&model.model)) {
          if (readout == StepReadout::State) {
            score = models::run_lrnn_each<T>(*lrnn, word, parallel, [&](std::size_t t, const std::vector<T>& h) {
                      out.outputs[t] = state_label(h, state_labels);
                    }).score;
          } else {
            const auto read = readout_of(lrnn->c, lrnn->c0);
            score = models::run_lrnn_each<T>(*lrnn, word, parallel, [&](std::size_t t, const std::vector<T>& h) {
                      out.outputs[t] = decision_of(numeric::sign(read(h)));
                    }).score;
          }
        } else {
          const auto& cell = std::get<models::ReluRnn>(model.model);
          const auto read = readout_of(cell.c, cell.c0);
          score = models::relu_rnn_token_score<T>(cell, word, [&](std::size_t t, const std::vector<T>& h) {
            out.outputs[t] = decision_of(numeric::sign(read(h)));
          });
        }
        out.verdict = models::verdict_of(numeric::sign(*score));
        out.score = numeric::to_double(*score);
        numeric::note_non_finite(*score);  // into `status`, which dispatch installed
      },
      status);
  return out;
}

}  // namespace parallax::experiment
