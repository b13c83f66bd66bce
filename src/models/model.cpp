#include "models/model.hpp"

#include <fmt/format.h>

#include "models/json_positions.hpp"

namespace parallax::models {

std::string to_string(Verdict v) { return std::string(kVerdictNames[static_cast<std::size_t>(v)].second); }

Verdict verdict_of(numeric::Sign score_sign) {
  return score_sign == numeric::Sign::Positive  ? Verdict::Accept
         : score_sign == numeric::Sign::Unknown ? Verdict::Undecided
                                                : Verdict::Reject;
}

bool has_scan(const Model& m) { return std::holds_alternative<LrnnSpec>(m); }

bool has_readout(const Model& m) { return !std::holds_alternative<Cell>(m); }

std::string kind_name(const Model& m) {
  return std::visit(
      [](const auto& x) -> std::string {
        using M = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<M, LrnnSpec>) return "lrnn";
        else if constexpr (std::is_same_v<M, ReluRnn>) return "relu-rnn";
        else if constexpr (std::is_same_v<M, TransformerSpec>) return "transformer";
        else return "cell";
      },
      m);
}

namespace {

enum class FileKind { Lrnn, Transformer, Cell };

/// The kind of a model file: its "format" when present, else the field only
/// that kind has. Text that is not a JSON object goes to the LRNN reader,
/// whose error names the line.
FileKind file_kind(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = parse_json(text, source);
  } catch (const JsonInputError&) {
    return FileKind::Lrnn;
  }
  if (!j.is_object()) return FileKind::Lrnn;
  if (const auto f = j.find("format"); f != j.end() && f->is_string()) {
    const auto& format = f->get_ref<const std::string&>();
    if (format.rfind("parallax-transformer/", 0) == 0) return FileKind::Transformer;
    if (format.rfind("parallax-lrnn/", 0) == 0) return FileKind::Lrnn;
  }
  if (j.contains("structure")) return FileKind::Lrnn;
  if (j.contains("d_model")) return FileKind::Transformer;
  if (j.contains("cell")) return FileKind::Cell;
  throw ModelError(fmt::format("{}: not a model file: an LRNN has \"structure\" (docs/lrnn-json.md), a transformer "
                               "\"d_model\" (docs/transformer-json.md), a nonlinear cell \"cell\" (docs/cells-json.md)",
                               source));
}

}  // namespace

Model model_from_json_text(const std::string& text, const std::string& source) {
  switch (file_kind(text, source)) {
    case FileKind::Transformer:
      return transformer_from_json_text(text, source);
    case FileKind::Cell:
      return cell_from_json_text(text, source);
    case FileKind::Lrnn:
      break;
  }
  return lrnn_from_json_text(text, source);
}

Model load_model(const std::string& path) {
  const auto text = read_text_file(path);
  if (!text) throw ModelError(fmt::format("{}: cannot open model file", path));
  return model_from_json_text(*text, path);
}

std::string model_to_json(const Model& m) {
  return std::visit(
      [](const auto& x) -> std::string {
        using M = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<M, LrnnSpec>) return lrnn_to_json(x);
        else if constexpr (std::is_same_v<M, TransformerSpec>) return transformer_to_json(x);
        else if constexpr (std::is_same_v<M, Cell>) return cell_to_json(x);
        else throw ModelError("a ReLU RNN has no file format: it is built by its construction, not read from a file");
      },
      m);
}

}  // namespace parallax::models
