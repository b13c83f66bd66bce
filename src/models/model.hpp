#pragma once
// One model, whatever its kind: a token LRNN (models/lrnn.hpp), a ReLU RNN
// (models/relu_rnn.hpp), a transformer (models/transformer.hpp) or a
// nonlinear cell (models/cell.hpp). The first three decide token sequences:
// each accepts exactly when its readout score is positive, and decide<T> runs
// any of them in the scalar type T and returns the verdict with the score. A
// nonlinear cell reads real inputs and has no readout: it is what the Newton
// solvers evaluate (experiment/solve.hpp), and decide refuses it.
//
// A model file is read by model_from_json_text / load_model whatever its kind
// (by its "format", or by the fields that only one kind has), and written back
// by model_to_json.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "models/cell.hpp"
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

using Model = std::variant<LrnnSpec, ReluRnn, TransformerSpec, Cell>;

/// The kind of a model: "lrnn", "relu-rnn", "transformer" or "cell".
std::string kind_name(const Model& m);

/// Whether the model decides token sequences (every kind but a cell).
bool has_readout(const Model& m);

/// A model from the JSON text of its file: an LRNN (docs/lrnn-json.md), a
/// transformer (docs/transformer-json.md) or a nonlinear cell
/// (docs/cells-json.md), told apart by "format" when present, else by the
/// field only that kind has ("structure", "d_model", "cell"). Throws the
/// kind's error (ModelError, TransformerError, CellError) naming `source` and
/// the field; ModelError when the text is none of them.
Model model_from_json_text(const std::string& text, const std::string& source);
/// The same from a file.
Model load_model(const std::string& path);
/// The JSON text model_from_json_text reads back to an equal model. A ReLU
/// RNN has no file format: ModelError.
std::string model_to_json(const Model& m);

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

/// Runs the model on token indices in T (ModelError for a cell) under the calling thread's numeric
/// context (numeric::dispatch), sequentially or by the parallel scan.
template <class T>
Decision<T> decide(const Model& model, const std::vector<std::uint32_t>& tokens, bool parallel) {
  return std::visit(
      [&](const auto& m) -> Decision<T> {
        using M = std::decay_t<decltype(m)>;
        auto scored = [](T s) { return Decision<T>{verdict_of(numeric::sign(s)), std::move(s)}; };
        if constexpr (std::is_same_v<M, Cell>) {
          throw ModelError("a nonlinear cell has no readout: it is solved on real inputs (experiment/solve.hpp), not "
                           "run on tokens");
        } else if constexpr (std::is_same_v<M, TransformerSpec>) {
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
