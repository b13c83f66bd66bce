#pragma once
// The typed records of the experiments and their one JSON schema (the
// store's records and the `--json` rows; docs/store.md has a table per
// record type). Every `*_from_json` checks the presence, type and range of
// each field it reads and throws RecordFieldError naming the field, so that
// a record edited by hand or written by another tool is refused, never
// misread. The field order of to_json is the order stored and printed.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "experiment/store.hpp"

namespace parallax::experiment {

// --- reading stored records ---------------------------------------------------

/// A field of a record that is missing, of the wrong type or out of range:
/// "field 'trials': expected a non-negative integer, got \"x\"".
struct RecordFieldError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// A stored record that cannot be used (edited by hand, written by another
/// tool): "STORE: run 3 (reduce), result 'record/n=64/fp32': field 'trials':
/// …". A StoreError, so every command reports it with exit status 2.
struct StoredRecordError : StoreError {
  explicit StoredRecordError(const std::string& what) : StoreError(Kind::NotAStore, what) {}
};

/// "STORE: run ID (COMMAND), result 'KEY'": where a stored record is.
std::string stored_place(const std::string& store, std::int64_t run, const std::string& command,
                         const std::string& key);

/// Runs read(), turning a RecordFieldError (or any malformed-JSON access)
/// into a StoredRecordError that starts with `place` (stored_place).
template <class Read>
auto read_stored(const std::string& place, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const RecordFieldError& e) {
    throw StoredRecordError(place + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw StoredRecordError(place + ": malformed record: " + e.what());
  }
}

/// Checked access to the fields of one record (a JSON object); every getter
/// throws RecordFieldError naming the field and what it should be.
class RecordFields {
 public:
  /// Throws RecordFieldError when j is not an object.
  explicit RecordFields(const nlohmann::json& j);
  /// Present and not null.
  bool has(const char* field) const;
  std::string text(const char* field) const;                         ///< a string
  std::optional<std::string> text_or_null(const char* field) const;  ///< a string, null or absent
  std::uint64_t count(const char* field) const;                      ///< a non-negative integer
  std::optional<std::uint64_t> count_or_null(const char* field) const;
  double number(const char* field) const;  ///< a finite number
  /// A number, null, absent, or one of the strings "inf", "-inf", "nan" that records use where JSON has no value.
  std::optional<double> number_or_null(const char* field) const;
  bool flag(const char* field) const;  ///< a boolean
  std::optional<bool> flag_or_null(const char* field) const;
  /// A string field of the record, else of its run's configuration (a field
  /// that is present must be a string); fails naming the field when neither has it.
  std::string text_or_config(const char* field, const nlohmann::json& config) const;
  [[noreturn]] void fail(const char* field, const std::string& what) const;

 private:
  const nlohmann::json& j_;
};

/// One run of a store as an experiment that resumes from it sees it (the
/// CLI's StoreLink gives one): the stored record of a key (null when the run
/// lacks it), a writer of several results in one transaction, and where a
/// key's result is, for messages (stored_place).
struct RunResults {
  std::function<const nlohmann::ordered_json*(const std::string& key)> find;
  std::function<void(const std::vector<ResultInput>& results)> put_all;
  std::function<std::string(const std::string& key)> place;
};

// --- result keys --------------------------------------------------------------

/// Keys of the results of accuracy sweeps (reduce, recognize): one accuracy
/// record per (n, format), one result per n holding its minimum-bits records.
std::string record_key(std::size_t n, const std::string& format);
std::string min_bits_key(std::size_t n);
/// The key of one circuit's metrics.
std::string circuit_key(std::size_t n);

// --- accuracy records (reduce, recognize) -------------------------------------

/// What an accuracy record of `reduce` and of `recognize` has in common, and
/// all the report reads of one: per length n and precision, how many trials
/// were decided correctly.
struct AccuracyRecord {
  std::size_t length = 0;
  std::string precision;  ///< the spec as given, e.g. "log:2" or "fp32"
  std::string format;     ///< the format it was evaluated in: the spec resolved at n, e.g. "float:12:0" (its store key)
  std::size_t trials = 0, correct = 0;
  std::size_t undecided = 0;   ///< interval outputs that straddle the threshold
  bool overflow = false;       ///< some result overflowed the format's exponent range (or was NaN)
  bool scan_checked = false;
  std::size_t scan_agree = 0;  ///< trials where scan and sequential decisions agree
  double ns_per_token = 0;     ///< sequential evaluation
  double accuracy() const { return trials ? double(correct) / double(trials) : 0.0; }
};

/// The per-position check of a stepwise problem in one accuracy record of
/// `reduce` (experiment/steps.hpp): the model's output after every position
/// of every trial against the reference label (Problem::solve_steps).
struct StepAccuracy {
  std::string check;  ///< "state", "decision" or "none" (no output per position: only the final decision is checked)
  /// Positions checked (the trials' lengths summed) and those right
  /// (sequentially, and by the scan when it runs); 0 for "none".
  std::size_t positions = 0, correct = 0;
  /// The smallest 1-based position (the number of tokens read) wrong in some
  /// trial; none when every position of every trial is right.
  std::optional<std::size_t> first_wrong;
  std::optional<double> accuracy() const {
    return positions ? std::optional<double>(double(correct) / double(positions)) : std::nullopt;
  }
};

/// One accuracy record of `reduce`.
struct ReduceRecord : AccuracyRecord {
  std::string problem, construction;
  std::size_t yes_trials = 0;
  std::optional<std::uint64_t> first_failing_seed;  ///< the generator seed of the first failing trial
  /// max over trials of |score − exact score| of the decision value (the
  /// readout ⟨c, h_n⟩ + c0), sequential and scan; +∞ where a score overflowed
  /// and NaN where one was NaN.
  double max_error = 0;
  /// Stepwise problems only (absent in records of other problems and in
  /// records written before stepwise problems existed).
  std::optional<StepAccuracy> steps;
};

/// One accuracy record of `recognize`.
struct RecognizeRecord : AccuracyRecord {
  std::string language, model;
  std::size_t accepted_trials = 0;
  double scan_ns_per_token = 0;              ///< parallel scan evaluation
  std::optional<std::size_t> first_failure;  ///< trial index
  std::string first_failure_word;            ///< formatted (truncated when long)
  bool first_failure_expected = false;
};

/// JSON forms; absent values are null. The readers take a record written
/// before "format" existed with its "precision" (then the resolved format) as
/// both, and a reduce record written before "step_check" existed as one
/// without a per-position check.
nlohmann::ordered_json to_json(const ReduceRecord& r);
ReduceRecord reduce_record_from_json(const nlohmann::json& j);
/// The per-position check of a reduce record's JSON (its step_* fields and
/// first_wrong_step, checked against each other); nullopt when step_check is
/// null or absent.
std::optional<StepAccuracy> step_accuracy_from_json(const nlohmann::json& j);
nlohmann::ordered_json to_json(const RecognizeRecord& r);
RecognizeRecord recognize_record_from_json(const nlohmann::json& j);

/// Checks a stored accuracy record against its key (record_key(n, format)):
/// RecordFieldError naming "n" or "format" when they differ.
void check_key(const AccuracyRecord& r, std::size_t n, const std::string& format);

/// The accuracy record of (n, format) that a run of a store holds, read by
/// `from_json` (reduce_record_from_json or recognize_record_from_json) and
/// checked against its key; nullopt when the run lacks it. A malformed one
/// throws StoredRecordError naming its place.
template <class Record>
std::optional<Record> stored_accuracy(const RunResults& run, std::size_t n, const std::string& format,
                                      Record (*from_json)(const nlohmann::json&)) {
  const auto key = record_key(n, format);
  const auto* j = run.find(key);
  if (!j) return std::nullopt;
  return read_stored(run.place(key), [&] {
    auto r = from_json(nlohmann::json(*j));
    check_key(r, n, format);
    return r;
  });
}

/// The common part of a stored accuracy record of `reduce` (reduce = true:
/// rows are its problem and construction) or `recognize` (its language and
/// model), as the report reads it: the row and construction may come from the
/// run's configuration, "accuracy" (where present) must equal correct / trials.
struct AccuracyLine {
  std::string row, construction;
  AccuracyRecord record;
};
AccuracyLine accuracy_line_from_json(const nlohmann::json& j, const nlohmann::json& config, bool reduce);

// --- minimum-precision records -----------------------------------------------

struct MinBitsRecord {
  std::size_t length = 0;
  std::string arithmetic;       ///< "float" or "interval"
  std::string mode;             ///< "sequential" or "scan"
  std::optional<int> bits;      ///< nullopt: not reached by max_bits
  std::string precision;        ///< the spec at the minimum, e.g. float:7:10
  bool overflow = false;        ///< exponent overflow at the width found, or anywhere in a failed search
};

nlohmann::ordered_json to_json(const MinBitsRecord& m);
MinBitsRecord min_bits_record_from_json(const nlohmann::json& j);
/// The stored form of one length's minimum-bits records: {"n", "records": […]}.
nlohmann::ordered_json min_bits_result(std::size_t n, const std::vector<MinBitsRecord>& records);
/// The minimum-bits records of one stored min-bits result ({"n", "records": […]}).
std::vector<MinBitsRecord> min_bits_records_from_result(const nlohmann::json& result);
/// The same, checking that every record has the key's n (min_bits_key(n)).
std::vector<MinBitsRecord> min_bits_records_from_result(const nlohmann::json& result, std::size_t n);
/// The minimum-bits records of length n that a run of a store holds (checked
/// as above); nullopt when the run lacks them.
std::optional<std::vector<MinBitsRecord>> stored_min_bits(const RunResults& run, std::size_t n);

// --- circuit records ----------------------------------------------------------

/// The metrics of one circuit of `parallax circuit` (circuits/metrics.hpp).
struct CircuitRecord {
  std::string model, network, fanin;  ///< the configuration (stored records only; empty in --json rows)
  std::size_t length = 0;
  std::uint64_t size = 0, depth = 0, depth_bounded = 0, mult_depth = 0, max_fanin = 0, gates = 0;
  double mbytes = 0, seconds = 0;
};

/// The stored form ("model", "network", "fanin", then the metrics); a
/// record with an empty model is a --json row: the metrics alone.
nlohmann::ordered_json to_json(const CircuitRecord& r);
CircuitRecord circuit_record_from_json(const nlohmann::json& j);

/// What the report reads of a stored circuit record: its configuration (from
/// the record, else the run's), n (at least 1), depth and size as numbers.
struct CircuitPoint {
  std::string model, network, fanin;
  std::size_t length = 0;
  double depth = 0, size = 0;
};
CircuitPoint circuit_point_from_json(const nlohmann::json& j, const nlohmann::json& config);

// --- suite records ------------------------------------------------------------

/// The record of one attempt of a suite's run (`parallax run`, suite_run.hpp):
/// what was run, how, and how many of its units failed.
struct SuiteRecord {
  std::string name;    ///< the suite's name (suite_name)
  std::string source;  ///< its file, or "built-in"
  bool quick = false;  ///< its quick variant
  std::string toml;    ///< its text
  std::size_t entries = 0, units = 0;
  std::uint64_t jobs = 1;  ///< units at once
  double wall_seconds = 0;  ///< stored to 0.1 s
  std::size_t failed_units = 0;
  std::size_t attempt = 1;  ///< 1 for the run's first attempt, K for "suite/attempt=K"
};

nlohmann::ordered_json to_json(const SuiteRecord& r);
/// Reads every field; a record written before `attempt` existed is attempt 1.
SuiteRecord suite_record_from_json(const nlohmann::json& j);
/// Whether a stored suite record is of an attempt without failed units: what
/// a resumed run reads of its earlier attempts (only `failed_units`).
bool suite_attempt_succeeded(const nlohmann::json& j);

}  // namespace parallax::experiment
