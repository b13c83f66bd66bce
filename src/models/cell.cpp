// Cell kinds, parameter shapes, random cells and the JSON cell file.
#include "models/cell.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "models/json_positions.hpp"
#include "numeric/enum_names.hpp"
#include "numeric/limits.hpp"

namespace parallax::models {

std::string JacobianStructure::name() const {
  switch (kind) {
    case Kind::Dense: return "dense";
    case Kind::Diagonal: return "diagonal";
    default: return fmt::format("blocks:{}", block);
  }
}

namespace {
constexpr numeric::EnumName<CellKind> kKinds[] = {{CellKind::Elman, "elman"},
                                                  {CellKind::Gru, "gru"},
                                                  {CellKind::Lstm, "lstm"},
                                                  {CellKind::ParaGru, "paragru"},
                                                  {CellKind::ParaLstm, "paralstm"},
                                                  {CellKind::ArGru, "argru"}};
}  // namespace

const char* cell_kind_name(CellKind k) { return numeric::name_of(kKinds, k); }

std::vector<std::string> cell_kind_names() { return numeric::names_of(kKinds); }

CellKind parse_cell_kind(const std::string& name) {
  if (auto k = numeric::value_of(kKinds, name)) return *k;
  throw CellError(fmt::format("unknown cell '{}' (valid: {})", name, numeric::names_joined(kKinds)));
}

JacobianStructure Cell::structure() const {
  switch (kind) {
    case CellKind::ParaGru: return {JacobianStructure::Kind::Diagonal, 1};
    case CellKind::ParaLstm: return {JacobianStructure::Kind::Blocks, 2};
    default: return {JacobianStructure::Kind::Dense, state_dim()};
  }
}

std::size_t Cell::param_count() const {
  std::size_t n = 0;
  for (const auto& p : params) n += p.values.size();
  return n;
}

std::vector<CellParam> cell_param_shapes(CellKind k, std::size_t d, std::size_t m) {
  std::vector<CellParam> r;
  auto mat = [&](std::string n, std::size_t rows, std::size_t cols) { r.push_back({std::move(n), rows, cols, true, {}}); };
  auto vec = [&](std::string n) { r.push_back({std::move(n), d, 1, false, {}}); };
  switch (k) {
    case CellKind::Elman:
      mat("W", d, d), mat("U", d, m), vec("b");
      break;
    case CellKind::ArGru:
    case CellKind::Gru:
      for (const char* g : {"z", "r", "h"}) mat(fmt::format("W_{}", g), d, d);
      for (const char* g : {"z", "r", "h"}) mat(fmt::format("U_{}", g), d, m);
      for (const char* g : {"z", "r", "h"}) vec(fmt::format("b_{}", g));
      if (k == CellKind::ArGru) r.push_back({"w_o", d, 1, false, {}}), r.push_back({"b_o", 1, 1, false, {}});
      break;
    case CellKind::Lstm:
      for (const char* g : {"i", "f", "g", "o"}) mat(fmt::format("W_{}", g), d, d);
      for (const char* g : {"i", "f", "g", "o"}) mat(fmt::format("U_{}", g), d, m);
      for (const char* g : {"i", "f", "g", "o"}) vec(fmt::format("b_{}", g));
      break;
    case CellKind::ParaGru:
      for (const char* g : {"z", "r", "h"}) vec(fmt::format("a_{}", g));
      for (const char* g : {"z", "r", "h"}) mat(fmt::format("B_{}", g), d, m);
      for (const char* g : {"z", "r", "h"}) vec(fmt::format("b_{}", g));
      break;
    case CellKind::ParaLstm:
      for (const char* g : {"f", "c", "o"}) vec(fmt::format("a_{}", g));
      for (const char* g : {"f", "c", "o"}) mat(fmt::format("B_{}", g), d, m);
      vec("c_f"), vec("c_o");
      for (const char* g : {"f", "c", "o"}) vec(fmt::format("b_{}", g));
      break;
  }
  return r;
}

Cell random_cell(CellKind k, std::size_t hidden, std::size_t input, std::uint64_t seed, double gain) {
  if (hidden == 0 || input == 0) throw CellError("a cell needs hidden ≥ 1 and input ≥ 1");
  if (k == CellKind::ArGru && input != 1) throw CellError("an 'argru' cell has input size 1");
  if (!std::isfinite(gain) || gain < 0) throw CellError(fmt::format("gain {} must be a finite number ≥ 0", gain));
  Cell c;
  c.kind = k;
  c.hidden = hidden;
  c.input = input;
  c.params = cell_param_shapes(k, hidden, input);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (auto& p : c.params) {
    p.values.resize(p.rows * p.cols);
    const char first = p.name[0];
    for (double& v : p.values) {
      if (first == 'W') v = normal(rng) * gain / std::sqrt(double(hidden));
      else if (first == 'U' || first == 'B') v = normal(rng) / std::sqrt(double(input));
      else if (first == 'a') v = uniform(rng) * gain;
      else if (first == 'c') v = uniform(rng) * gain / 2;
      else if (p.name == "w_o") v = normal(rng) / std::sqrt(double(hidden));
      else v = normal(rng) * 0.1;  // biases
    }
  }
  c.h0.assign(c.state_dim(), 0.0);
  return c;
}

void validate(const Cell& c) {
  if (c.hidden == 0) throw CellError("cell: 'hidden' must be ≥ 1");
  if (c.input == 0) throw CellError("cell: 'input' must be ≥ 1");
  if (c.kind == CellKind::ArGru && c.input != 1)
    throw CellError("cell 'argru': 'input' must be 1 (the external input is added to the fed-back readout)");
  const auto shapes = cell_param_shapes(c.kind, c.hidden, c.input);
  if (c.params.size() != shapes.size())
    throw CellError(fmt::format("cell '{}': {} parameters, expected {}", cell_kind_name(c.kind), c.params.size(), shapes.size()));
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const auto& p = c.params[i];
    if (p.name != shapes[i].name || p.matrix != shapes[i].matrix || p.rows != shapes[i].rows || p.cols != shapes[i].cols ||
        p.values.size() != p.rows * p.cols)
      throw CellError(fmt::format("cell '{}': parameter {} is '{}' {}×{}, expected '{}' {}×{}", cell_kind_name(c.kind), i,
                                  p.name, p.rows, p.cols, shapes[i].name, shapes[i].rows, shapes[i].cols));
    for (std::size_t j = 0; j < p.values.size(); ++j)
      if (!std::isfinite(p.values[j])) throw CellError(fmt::format("cell: weight '{}'[{}] is not finite", p.name, j));
  }
  if (c.h0.size() != c.state_dim())
    throw CellError(fmt::format("cell: 'h0' has {} entries, expected {}", c.h0.size(), c.state_dim()));
}

// ---- JSON -----------------------------------------------------------------------

Cell load_cell(const std::string& path, const CellKind* expected) {
  const auto text = read_text_file(path);
  if (!text) throw CellError(fmt::format("{}: cannot read the cell file", path));
  return cell_from_json_text(*text, path, expected);
}

Cell cell_from_json_text(const std::string& file_text, const std::string& path, const CellKind* expected) {
  const std::string* text = &file_text;
  nlohmann::json j;
  try {
    j = parse_json(*text, path);
  } catch (const JsonInputError& e) {
    throw CellError(e.what());
  }
  const auto lines = json_value_lines(*text);
  auto fail = [&](const std::string& ptr, const std::string& msg) -> CellError {
    return CellError(json_field_message(path, lines, ptr, msg));
  };
  if (!j.is_object()) throw fail("", "a cell file is a JSON object with 'cell', 'hidden', 'input' and 'weights'");
  for (const auto& [key, value] : j.items())
    if (key != "cell" && key != "hidden" && key != "input" && key != "weights" && key != "h0" && key != "comment")
      throw fail("/" + json_pointer_token(key), "unknown field (valid: cell, hidden, input, weights, h0, comment)");
  auto size_field = [&](const char* key) -> std::size_t {
    if (!j.contains(key)) throw fail("", fmt::format("missing field '{}'", key));
    const auto& v = j[key];
    if (!v.is_number_integer() || v.get<long long>() < 1 || std::uint64_t(v.get<long long>()) > limits::kMaxModelDim)
      throw fail(std::string("/") + key, fmt::format("must be an integer between 1 and {} (docs/limits.md)", limits::kMaxModelDim));
    return v.get<std::size_t>();
  };
  Cell c;
  if (!j.contains("cell") || !j["cell"].is_string()) throw fail("/cell", "missing or not a string: the cell kind (elman, gru, lstm, paragru, paralstm)");
  try {
    c.kind = parse_cell_kind(j["cell"].get<std::string>());
  } catch (const CellError& e) {
    throw fail("/cell", e.what());
  }
  if (expected && *expected != c.kind)
    throw fail("/cell", fmt::format("the file holds a '{}' cell but '{}' was asked for", cell_kind_name(c.kind), cell_kind_name(*expected)));
  c.hidden = size_field("hidden");
  c.input = size_field("input");
  c.params = cell_param_shapes(c.kind, c.hidden, c.input);
  if (!j.contains("weights") || !j["weights"].is_object()) throw fail("/weights", "missing or not an object of named weight arrays");
  const auto& w = j["weights"];
  for (const auto& [key, value] : w.items()) {
    bool known = false;
    for (const auto& p : c.params) known = known || p.name == key;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& p : c.params) names.push_back(p.name);
      throw fail("/weights/" + json_pointer_token(key),
                 fmt::format("unknown weight for a '{}' cell (valid: {})", cell_kind_name(c.kind), fmt::join(names, ", ")));
    }
  }
  auto number = [&](const nlohmann::json& v, const std::string& ptr) {
    if (!v.is_number()) throw fail(ptr, "must be a number");
    const double x = v.get<double>();
    if (!std::isfinite(x)) throw fail(ptr, "must be finite");
    return x;
  };
  for (auto& p : c.params) {
    const std::string ptr = "/weights/" + json_pointer_token(p.name);
    if (!w.contains(p.name)) throw fail("/weights", fmt::format("missing weight '{}'", p.name));
    const auto& a = w[p.name];
    if (!p.matrix) {
      if (!a.is_array() || a.size() != p.rows) throw fail(ptr, fmt::format("must be an array of {} numbers", p.rows));
      for (std::size_t i = 0; i < p.rows; ++i) p.values.push_back(number(a[i], fmt::format("{}/{}", ptr, i)));
    }
    if (p.matrix) {
      if (!a.is_array() || a.size() != p.rows)
        throw fail(ptr, fmt::format("must be a {}×{} matrix: an array of {} rows", p.rows, p.cols, p.rows));
      for (std::size_t i = 0; i < p.rows; ++i) {
        if (!a[i].is_array() || a[i].size() != p.cols)
          throw fail(fmt::format("{}/{}", ptr, i), fmt::format("row must be an array of {} numbers", p.cols));
        for (std::size_t k = 0; k < p.cols; ++k) p.values.push_back(number(a[i][k], fmt::format("{}/{}/{}", ptr, i, k)));
      }
    }
  }
  c.h0.assign(c.state_dim(), 0.0);
  if (j.contains("h0")) {
    const auto& h = j["h0"];
    if (!h.is_array() || h.size() != c.state_dim())
      throw fail("/h0", fmt::format("must be an array of {} numbers (the state: {})", c.state_dim(),
                                    c.state_dim() == c.hidden ? "h" : "c and h per unit, unit-major"));
    for (std::size_t i = 0; i < c.state_dim(); ++i) c.h0[i] = number(h[i], fmt::format("/h0/{}", i));
  }
  return c;
}

std::string cell_to_json(const Cell& c) {
  nlohmann::ordered_json j;
  j["cell"] = cell_kind_name(c.kind);
  j["hidden"] = c.hidden;
  j["input"] = c.input;
  nlohmann::ordered_json w = nlohmann::ordered_json::object();
  for (const auto& p : c.params) {
    if (!p.matrix) {
      w[p.name] = p.values;
    } else {
      nlohmann::ordered_json rows = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < p.rows; ++i)
        rows.push_back(std::vector<double>(p.values.begin() + i * p.cols, p.values.begin() + (i + 1) * p.cols));
      w[p.name] = rows;
    }
  }
  j["weights"] = w;
  j["h0"] = c.h0;
  return j.dump(1) + "\n";
}

}  // namespace parallax::models
