#include "experiment/instances.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "experiment/sweep.hpp"
#include "models/json_positions.hpp"

namespace parallax::experiment {

namespace {

/// A value for a message: its JSON text, cut short.
std::string shown(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace

nlohmann::json parse_instance_line(const reductions::Problem& problem, const std::string& line, const std::string& file,
                                   std::size_t line_no) {
  const std::string place = fmt::format("{}:{}", file, line_no);
  nlohmann::json in;
  try {
    // the line holds no newline, so parse_json's own line is always 1: name the file's line instead
    in = models::parse_json(line, file);
  } catch (const models::JsonInputError& e) {
    std::string msg = e.what();
    const std::string own = file + ":1:";
    if (msg.starts_with(own))
      msg = place + ":" + msg.substr(own.size());
    else if (!msg.starts_with(place))
      msg = place + ": " + msg;
    throw reductions::ProblemError(msg);
  }
  if (!in.is_object())
    throw reductions::ProblemError(
        fmt::format("{}: an instance is a JSON object (one per line, docs/problems.md), got {}", place, shown(in)));
  if (const auto id = in.find("id"); id != in.end() && !id->is_string() && !id->is_number_integer())
    throw reductions::ProblemError(
        fmt::format("{}: field /id: expected a string or an integer naming the instance, got {}", place, shown(*id)));
  try {
    problem.validate(in);
  } catch (const reductions::ProblemError& e) {
    const std::string msg = e.what();
    throw reductions::ProblemError(msg.starts_with(place) ? msg : fmt::format("{}: {}", place, msg));
  } catch (const nlohmann::json::exception& e) {
    // a validator that met a value of a type it did not expect
    throw reductions::ProblemError(fmt::format("{}: malformed {} instance: {}", place, problem.info().name, e.what()));
  }
  return in;
}

std::size_t instance_size(std::size_t tokens) { return std::max<std::size_t>(tokens, 1); }

std::vector<InstanceAnswer> answer_instance(const reductions::Problem& problem, const std::string& construction,
                                            const std::vector<numeric::Precision>& precisions, const std::string& line,
                                            const std::string& file, std::size_t line_no) {
  const auto in = parse_instance_line(problem, line, file, line_no);
  const bool reference = problem.solve(in);
  const auto enc = problem.encode(in, construction);
  const std::size_t n = instance_size(enc.tokens.size());
  std::vector<numeric::Precision> formats;
  for (const auto& spec : precisions) {
    try {
      formats.push_back(spec.resolve(n));
    } catch (const numeric::PrecisionError& e) {
      throw reductions::ProblemError(fmt::format("{}:{}: --precision {} at this instance's size n = {}: {}", file,
                                                 line_no, spec.to_string(), n, e.what()));
    }
  }
  const nlohmann::ordered_json id = in.contains("id") ? nlohmann::ordered_json(in["id"]) : nlohmann::ordered_json(line_no);
  std::vector<InstanceAnswer> out;
  for (std::size_t i = 0; i < precisions.size(); ++i)
    out.push_back({id, n, precisions[i].to_string(), formats[i].to_string(),
                   decide(*enc.model, enc.tokens, formats[i], false), reference});
  return out;
}

}  // namespace parallax::experiment
