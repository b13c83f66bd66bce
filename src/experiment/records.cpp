#include "experiment/records.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "experiment/json_number.hpp"
#include "numeric/precision.hpp"
#include "models/model.hpp"

namespace parallax::experiment {

// --- reading stored records ---------------------------------------------------

RecordFields::RecordFields(const nlohmann::json& j) : j_(j) {
  if (!j.is_object()) throw RecordFieldError(fmt::format("the record is not a JSON object (it is {})", j.type_name()));
}

void RecordFields::fail(const char* field, const std::string& what) const {
  const auto it = j_.find(field);
  if (it == j_.end()) throw RecordFieldError(fmt::format("field '{}' is missing ({})", field, what));
  std::string got = it->dump();
  if (got.size() > 60) got = got.substr(0, 57) + "...";
  throw RecordFieldError(fmt::format("field '{}': expected {}, got {}", field, what, got));
}

bool RecordFields::has(const char* field) const {
  const auto it = j_.find(field);
  return it != j_.end() && !it->is_null();
}

std::string RecordFields::text(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end() || !it->is_string()) fail(field, "a string");
  return it->get<std::string>();
}

std::optional<std::string> RecordFields::text_or_null(const char* field) const {
  return has(field) ? std::optional<std::string>(text(field)) : std::nullopt;
}

std::uint64_t RecordFields::count(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end()) fail(field, "a non-negative integer");
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0) return std::uint64_t(it->get<std::int64_t>());
  fail(field, "a non-negative integer");
}

std::optional<std::uint64_t> RecordFields::count_or_null(const char* field) const {
  return has(field) ? std::optional<std::uint64_t>(count(field)) : std::nullopt;
}

double RecordFields::number(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end() || !it->is_number() || !std::isfinite(it->get<double>())) fail(field, "a finite number");
  return it->get<double>();
}

std::optional<double> RecordFields::number_or_null(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end() || it->is_null()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const auto s = it->get<std::string>();
    if (s == "inf" || s == "+inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  fail(field, "a number, null, \"inf\", \"-inf\" or \"nan\"");
}

bool RecordFields::flag(const char* field) const {
  const auto it = j_.find(field);
  if (it == j_.end() || !it->is_boolean()) fail(field, "true or false");
  return it->get<bool>();
}

std::optional<bool> RecordFields::flag_or_null(const char* field) const {
  return has(field) ? std::optional<bool>(flag(field)) : std::nullopt;
}

std::string RecordFields::text_or_config(const char* field, const nlohmann::json& config) const {
  if (has(field)) return text(field);
  if (const auto it = config.find(field); it != config.end() && it->is_string()) return it->get<std::string>();
  fail(field, "a string (in the record or in its run's configuration)");
}

std::string stored_place(const std::string& store, std::int64_t run, const std::string& command,
                         const std::string& key) {
  return fmt::format("{}: run {} ({}), result '{}'", store, run, command, key);
}

// --- result keys --------------------------------------------------------------

std::string record_key(std::size_t n, const std::string& format) { return fmt::format("record/n={}/{}", n, format); }
std::string min_bits_key(std::size_t n) { return fmt::format("min-bits/n={}", n); }
std::string circuit_key(std::size_t n) { return fmt::format("circuit/n={}", n); }

// --- accuracy records (reduce, recognize) -------------------------------------

nlohmann::ordered_json to_json(const ReduceRecord& r) {
  nlohmann::ordered_json j;
  j["problem"] = r.problem;
  j["construction"] = r.construction;
  j["n"] = r.length;
  j["precision"] = r.precision;
  j["format"] = r.format.empty() ? r.precision : r.format;
  j["trials"] = r.trials;
  j["yes"] = r.yes_trials;
  j["correct"] = r.correct;
  j["accuracy"] = r.accuracy();
  j["undecided"] = r.undecided;
  j["overflow"] = r.overflow;
  j["scan_checked"] = r.scan_checked;
  j["scan_agree"] = r.scan_agree;
  j["ns_per_token"] = std::round(r.ns_per_token * 10) / 10;
  // JSON has no infinities: null, with the reason in max_error_kind
  j["max_error"] = number_or_null(r.max_error);
  if (!std::isfinite(r.max_error)) j["max_error_kind"] = std::isnan(r.max_error) ? "nan" : "inf";
  j["first_failing_seed"] = r.first_failing_seed ? nlohmann::ordered_json(*r.first_failing_seed) : nlohmann::ordered_json(nullptr);
  // the per-position check: null throughout for a problem that is not stepwise
  using J = nlohmann::ordered_json;
  const bool checked = r.steps && r.steps->check != "none";
  const auto accuracy = checked ? r.steps->accuracy() : std::nullopt;
  j["step_check"] = r.steps ? J(r.steps->check) : J(nullptr);
  j["step_positions"] = checked ? J(r.steps->positions) : J(nullptr);
  j["step_correct"] = checked ? J(r.steps->correct) : J(nullptr);
  j["step_accuracy"] = accuracy ? J(*accuracy) : J(nullptr);
  j["first_wrong_step"] = checked && r.steps->first_wrong ? J(*r.steps->first_wrong) : J(nullptr);
  return j;
}

std::optional<StepAccuracy> step_accuracy_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  const char* const fields[] = {"step_positions", "step_correct", "step_accuracy", "first_wrong_step"};
  const auto check = f.text_or_null("step_check");
  if (!check || *check == "none") {
    for (const char* x : fields)
      if (f.has(x)) f.fail(x, check ? "null (step_check is \"none\")" : "null (step_check is null)");
    if (!check) return std::nullopt;
    return StepAccuracy{*check, 0, 0, std::nullopt};
  }
  if (*check != "state" && *check != "decision") f.fail("step_check", "\"state\", \"decision\", \"none\" or null");
  StepAccuracy s;
  s.check = *check;
  s.positions = f.count("step_positions");
  s.correct = f.count("step_correct");
  if (s.correct > s.positions) f.fail("step_correct", fmt::format("at most the {} positions", s.positions));
  if (s.positions == 0 && f.has("step_accuracy")) f.fail("step_accuracy", "null (no positions were checked)");
  if (s.positions > 0) {
    const double stored = f.number("step_accuracy");
    if (std::abs(stored - *s.accuracy()) > 1e-9)
      f.fail("step_accuracy", fmt::format("step_correct / step_positions = {}", *s.accuracy()));
  }
  s.first_wrong = f.count_or_null("first_wrong_step");
  if (s.first_wrong && *s.first_wrong < 1) f.fail("first_wrong_step", "a position from 1 (the tokens read), or null");
  if (s.first_wrong && s.correct == s.positions)
    f.fail("first_wrong_step", "null (every position is right: step_correct = step_positions)");
  if (!s.first_wrong && s.correct < s.positions)
    f.fail("first_wrong_step", "a position (some position is wrong: step_correct < step_positions)");
  return s;
}

ReduceRecord reduce_record_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  ReduceRecord r;
  r.problem = f.text("problem");
  r.construction = f.text("construction");
  r.length = f.count("n");
  r.precision = f.text("precision");
  r.format = f.text_or_null("format").value_or(r.precision);
  r.trials = f.count("trials");
  r.yes_trials = f.count("yes");
  r.correct = f.count("correct");
  r.undecided = f.count("undecided");
  r.overflow = f.flag("overflow");
  r.scan_checked = f.flag("scan_checked");
  r.scan_agree = f.count("scan_agree");
  r.ns_per_token = f.number("ns_per_token");
  for (const char* c : {"yes", "correct", "undecided", "scan_agree"})
    if (f.count(c) > r.trials) f.fail(c, fmt::format("at most the {} trials", r.trials));
  if (f.has("max_error")) {
    r.max_error = f.number("max_error");
  } else {
    if (!j.contains("max_error")) f.fail("max_error", "a number, or null for an infinite or NaN error");
    const auto kind = f.text_or_null("max_error_kind").value_or("inf");
    if (kind != "inf" && kind != "nan") f.fail("max_error_kind", "\"inf\" or \"nan\"");
    r.max_error = kind == "nan" ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  }
  if (!j.contains("first_failing_seed")) f.fail("first_failing_seed", "a seed, or null when every trial was correct");
  if (f.has("first_failing_seed")) r.first_failing_seed = f.count("first_failing_seed");
  r.steps = step_accuracy_from_json(j);
  return r;
}

nlohmann::ordered_json to_json(const RecognizeRecord& r) {
  using J = nlohmann::ordered_json;
  return {{"language", r.language},
          {"model", r.model},
          {"n", r.length},
          {"precision", r.precision},
          {"format", r.format.empty() ? r.precision : r.format},
          {"trials", r.trials},
          {"accepted", r.accepted_trials},
          {"correct", r.correct},
          {"accuracy", r.accuracy()},
          {"undecided", r.undecided},
          {"overflow", r.overflow},
          {"scan_checked", r.scan_checked},
          {"scan_agree", r.scan_checked ? J(r.scan_agree) : J(nullptr)},
          {"ns_per_token", std::round(r.ns_per_token * 10) / 10},
          {"scan_ns_per_token", r.scan_checked ? J(std::round(r.scan_ns_per_token * 10) / 10) : J(nullptr)},
          {"first_failure", r.first_failure ? J(*r.first_failure) : J(nullptr)},
          {"failure_word", r.first_failure ? J(r.first_failure_word) : J(nullptr)},
          {"failure_expected", r.first_failure ? J(models::to_string(models::verdict_of(r.first_failure_expected))) : J(nullptr)}};
}

RecognizeRecord recognize_record_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  RecognizeRecord r;
  r.language = f.text("language");
  r.model = f.text("model");
  r.length = f.count("n");
  r.precision = f.text("precision");
  r.format = f.text_or_null("format").value_or(r.precision);
  r.trials = f.count("trials");
  for (const char* c : {"accepted", "correct", "undecided"})
    if (f.count(c) > r.trials) f.fail(c, fmt::format("at most the {} trials", r.trials));
  r.accepted_trials = f.count("accepted");
  r.correct = f.count("correct");
  r.undecided = f.count("undecided");
  const double accuracy = f.number("accuracy");
  if (accuracy < 0 || accuracy > 1) f.fail("accuracy", "a number from 0 to 1");
  r.overflow = f.flag("overflow");
  r.scan_checked = f.flag("scan_checked");
  if (r.scan_checked) {
    r.scan_agree = f.count("scan_agree");
    if (r.scan_agree > r.trials) f.fail("scan_agree", fmt::format("at most the {} trials", r.trials));
  } else if (f.has("scan_agree")) {
    f.fail("scan_agree", "null (scan_checked is false)");
  }
  r.ns_per_token = f.number("ns_per_token");
  if (r.ns_per_token < 0) f.fail("ns_per_token", "a non-negative number");
  if (f.has("scan_ns_per_token")) r.scan_ns_per_token = f.number("scan_ns_per_token");
  r.first_failure = f.count_or_null("first_failure");
  if (r.first_failure && *r.first_failure >= r.trials)
    f.fail("first_failure", fmt::format("a trial index below {}, or null", r.trials));
  r.first_failure_word = f.text_or_null("failure_word").value_or("");
  const auto e = f.text_or_null("failure_expected");
  const std::string accept = models::to_string(models::Verdict::Accept), reject = models::to_string(models::Verdict::Reject);
  if (e && *e != accept && *e != reject) f.fail("failure_expected", fmt::format("\"{}\", \"{}\" or null", accept, reject));
  r.first_failure_expected = e && *e == accept;
  return r;
}

void check_key(const AccuracyRecord& r, std::size_t n, const std::string& format) {
  if (r.length != n) throw RecordFieldError(fmt::format("field 'n' is {}, but the key says n = {}", r.length, n));
  if (r.format != format)
    throw RecordFieldError(fmt::format("field 'format' is '{}', but the key says '{}'", r.format, format));
}

AccuracyLine accuracy_line_from_json(const nlohmann::json& j, const nlohmann::json& config, bool reduce) {
  const RecordFields f(j);
  AccuracyLine line;
  line.row = f.text_or_config(reduce ? "problem" : "language", config);
  line.construction = f.text_or_config(reduce ? "construction" : "model", config);
  auto& r = line.record;
  r.length = f.count("n");
  r.precision = f.text("precision");
  r.trials = f.count("trials");
  r.correct = f.count("correct");
  if (r.correct > r.trials) f.fail("correct", fmt::format("at most the {} trials", r.trials));
  if (f.has("accuracy")) {
    const double stored = f.number("accuracy");
    if (std::abs(stored - r.accuracy()) > 1e-9) f.fail("accuracy", fmt::format("correct / trials = {}", r.accuracy()));
  }
  r.undecided = f.count_or_null("undecided").value_or(0);
  if (r.undecided > r.trials) f.fail("undecided", fmt::format("at most the {} trials", r.trials));
  return line;
}

// --- minimum-precision records -----------------------------------------------

nlohmann::ordered_json to_json(const MinBitsRecord& m) {
  nlohmann::ordered_json j;
  j["n"] = m.length;
  j["arithmetic"] = m.arithmetic;
  j["mode"] = m.mode;
  j["min_bits"] = m.bits ? nlohmann::ordered_json(*m.bits) : nlohmann::ordered_json(nullptr);
  j["precision"] = m.precision;
  j["overflow"] = m.overflow;
  return j;
}

MinBitsRecord min_bits_record_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  MinBitsRecord m;
  m.length = f.count("n");
  m.arithmetic = f.text("arithmetic");
  if (m.arithmetic != "float" && m.arithmetic != "interval") f.fail("arithmetic", "\"float\" or \"interval\"");
  m.mode = f.text("mode");
  if (m.mode != "sequential" && m.mode != "scan") f.fail("mode", "\"sequential\" or \"scan\"");
  if (!j.contains("min_bits")) f.fail("min_bits", "a width in bits, or null when none was found");
  if (f.has("min_bits")) {
    const auto bits = f.count("min_bits");
    if (bits < 1 || bits > std::uint64_t(numeric::kMaxPrecisionBits))
      f.fail("min_bits", fmt::format("a width from 1 to {} bits", numeric::kMaxPrecisionBits));
    m.bits = int(bits);
  }
  m.precision = f.text("precision");
  m.overflow = f.flag("overflow");
  return m;
}

nlohmann::ordered_json min_bits_result(std::size_t n, const std::vector<MinBitsRecord>& records) {
  nlohmann::ordered_json j;
  j["n"] = n;
  j["records"] = nlohmann::ordered_json::array();
  for (const auto& m : records) j["records"].push_back(to_json(m));
  return j;
}

std::vector<MinBitsRecord> min_bits_records_from_result(const nlohmann::json& result) {
  const RecordFields f(result);
  const auto it = result.find("records");
  if (it == result.end() || !it->is_array()) f.fail("records", "an array of minimum-bits records");
  std::vector<MinBitsRecord> out;
  for (std::size_t i = 0; i < it->size(); ++i) {
    try {
      out.push_back(min_bits_record_from_json((*it)[i]));
    } catch (const RecordFieldError& e) {
      throw RecordFieldError(fmt::format("records[{}]: {}", i, e.what()));
    }
  }
  return out;
}

std::vector<MinBitsRecord> min_bits_records_from_result(const nlohmann::json& result, std::size_t n) {
  auto ms = min_bits_records_from_result(result);
  for (const auto& m : ms)
    if (m.length != n) throw RecordFieldError(fmt::format("a record has n = {}, but the key says n = {}", m.length, n));
  return ms;
}

// --- circuit records ----------------------------------------------------------

nlohmann::ordered_json to_json(const CircuitRecord& r) {
  nlohmann::ordered_json j;
  if (!r.model.empty()) j = {{"model", r.model}, {"network", r.network}, {"fanin", r.fanin}};
  j["n"] = r.length;
  j["size"] = r.size;
  j["depth"] = r.depth;
  j["depth_bounded"] = r.depth_bounded;
  j["mult_depth"] = r.mult_depth;
  j["max_fanin"] = r.max_fanin;
  j["gates"] = r.gates;
  j["mbytes"] = r.mbytes;
  j["seconds"] = r.seconds;
  return j;
}

CircuitRecord circuit_record_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  CircuitRecord r;
  r.model = f.text("model");
  r.network = f.text("network");
  r.fanin = f.text("fanin");
  r.length = f.count("n");
  if (r.length < 1) f.fail("n", "a length of at least 1");
  r.size = f.count("size");
  r.depth = f.count("depth");
  r.depth_bounded = f.count("depth_bounded");
  r.mult_depth = f.count("mult_depth");
  r.max_fanin = f.count("max_fanin");
  r.gates = f.count("gates");
  r.mbytes = f.number("mbytes");
  r.seconds = f.number("seconds");
  return r;
}

CircuitPoint circuit_point_from_json(const nlohmann::json& j, const nlohmann::json& config) {
  const RecordFields f(j);
  CircuitPoint p;
  p.length = f.count("n");
  if (p.length < 1) f.fail("n", "a length of at least 1");
  p.depth = f.number("depth");
  p.size = f.number("size");
  p.model = f.text_or_config("model", config);
  p.network = f.text_or_config("network", config);
  p.fanin = f.text_or_config("fanin", config);
  return p;
}

std::optional<std::vector<MinBitsRecord>> stored_min_bits(const RunResults& run, std::size_t n) {
  const auto key = min_bits_key(n);
  const auto* j = run.find(key);
  if (!j) return std::nullopt;
  return read_stored(run.place(key), [&] { return min_bits_records_from_result(nlohmann::json(*j), n); });
}

// --- suite records ------------------------------------------------------------

nlohmann::ordered_json to_json(const SuiteRecord& r) {
  nlohmann::ordered_json j;
  j["name"] = r.name;
  j["source"] = r.source;
  j["quick"] = r.quick;
  j["toml"] = r.toml;
  j["entries"] = r.entries;
  j["units"] = r.units;
  j["jobs"] = r.jobs;
  j["wall_seconds"] = std::round(r.wall_seconds * 10) / 10;
  j["failed_units"] = r.failed_units;
  j["attempt"] = r.attempt;
  return j;
}

SuiteRecord suite_record_from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  SuiteRecord r;
  r.name = f.text("name");
  r.source = f.text("source");
  r.quick = f.flag("quick");
  r.toml = f.text("toml");
  r.entries = f.count("entries");
  r.units = f.count("units");
  r.jobs = f.count("jobs");
  r.wall_seconds = f.number("wall_seconds");
  r.failed_units = f.count("failed_units");
  if (r.failed_units > r.units) f.fail("failed_units", fmt::format("at most the {} units", r.units));
  r.attempt = f.count_or_null("attempt").value_or(1);
  if (r.attempt < 1) f.fail("attempt", "a positive integer");
  return r;
}

bool suite_attempt_succeeded(const nlohmann::json& j) { return RecordFields(j).count("failed_units") == 0; }

}  // namespace parallax::experiment
