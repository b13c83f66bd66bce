#pragma once
// One model that decides token sequences, whatever its kind: a token LRNN
// (models/lrnn.hpp), a ReLU RNN (models/relu_rnn.hpp) or a transformer
// (models/transformer.hpp). Each accepts exactly when its readout score is
// positive; decide<T> runs any of them in the scalar type T and returns the
// verdict with the score. (The nonlinear cells of models/cell.hpp read real
// inputs and have no readout: they are the Newton solvers' models, not
// deciders.)
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "models/lrnn.hpp"
#include "models/relu_rnn.hpp"
#include "models/transformer.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::models {

/// What a model says about an input.
enum class Verdict { Reject, Accept, Undecided };

inline constexpr std::array<std::pair<Verdict, std::string_view>, 3> kVerdictNames = {{
    {Verdict::Reject, "reject"},
    {Verdict::Accept, "accept"},
    {Verdict::Undecided, "undecided"},
}};
static_assert(kVerdictNames[0].first == Verdict::Reject && kVerdictNames[1].first == Verdict::Accept &&
              kVerdictNames[2].first == Verdict::Undecided);

/// "reject", "accept", "undecided".
std::string to_string(Verdict v);
/// The verdict of a readout score's sign: Accept when positive, Undecided
/// when the sign cannot be told (an interval straddling 0, NaN), else Reject.
Verdict verdict_of(numeric::Sign score_sign);
/// Accept or Reject: the verdict a correct model gives on an input whose
/// answer is `accepted`.
constexpr Verdict verdict_of(bool accepted) { return accepted ? Verdict::Accept : Verdict::Reject; }

using Model = std::variant<LrnnSpec, ReluRnn, TransformerSpec>;

/// Whether the model runs by a parallel scan too (LRNNs only); decide's
/// `parallel` is ignored for the others.
bool has_scan(const Model& m);

template <class T>
struct Decision {
  Verdict verdict = Verdict::Undecided;
  /// The readout score ⟨c, h_n⟩ + c0; none when an interval run of a
  /// transformer cannot tell which keys attain the maximal score.
  std::optional<T> score;
};

/// Runs the model on token indices in T under the calling thread's numeric
/// context (numeric::dispatch), sequentially or by the parallel scan.
template <class T>
Decision<T> decide(const Model& model, const std::vector<std::uint32_t>& tokens, bool parallel) {
  return std::visit(
      [&](const auto& m) -> Decision<T> {
        using M = std::decay_t<decltype(m)>;
        auto scored = [](T s) { return Decision<T>{verdict_of(numeric::sign(s)), std::move(s)}; };
        if constexpr (std::is_same_v<M, TransformerSpec>) {
          try {
            return scored(run_transformer<T>(m, tokens).score);
          } catch (const TransformerUndecided&) {
            return {Verdict::Undecided, std::nullopt};
          }
        } else if constexpr (std::is_same_v<M, ReluRnn>) {
          return scored(relu_rnn_token_score<T>(m, tokens));
        } else {
          return scored(run_lrnn<T>(m, tokens, parallel).score);
        }
      },
      model);
}

}  // namespace parallax::models
