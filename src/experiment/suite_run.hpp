#pragma once
// Running a suite (experiment/suite.hpp): what `parallax run` does between
// reading the suite and writing the report.
//
// plan_suite checks every entry before any work — its kind, each key against
// the subcommand's options, required options, then the entry's meaning with
// the subcommand's own checks (`*_options_from_json(keys).validate()`) —
// with every error naming FILE:LINE, and splits each entry into units (one
// per length of `reduce` / `recognize`, one per element of a `length` list),
// largest first. run_suite runs the units J at a time through hooks (the
// CLI starts them as child `parallax` processes), then stores the suite's
// own record (records.hpp, SuiteRecord) in a `suite` run of the store. Each
// unit writes its own results to the store, so a killed run resumes: run the
// same suite again and the units skip every result the store already holds.
//
// The subcommands' options come in as data (SuiteCommand), read by the CLI
// from its parser, so the valid choices an error lists are always current.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "experiment/records.hpp"
#include "experiment/store.hpp"
#include "experiment/suite.hpp"

namespace parallax::experiment {

/// One long option of a subcommand, as the planner checks a key against it.
struct CommandOption {
  std::vector<std::string> names;  ///< its long names without "--", e.g. "min-bits"
  bool flag = false;               ///< takes no value: the key must be true or false
  bool required = false;
  /// The option's own checks of one value, as its text on the command line:
  /// "" when it passes, else why not (a number where one is expected, …).
  std::function<std::string(const std::string& text)> check;
};

/// A subcommand that can write a store: a kind of suite entry, with its options.
struct SuiteCommand {
  std::string kind;                    ///< e.g. "reduce"
  std::vector<CommandOption> options;  ///< in the subcommand's order (the "valid: …" lists)
};

/// Options that the runner sets itself or that do not fit a stored run: an
/// entry that sets one is refused with the reason given here.
const std::map<std::string, std::string>& suite_managed_options();

/// One unit of a suite: a subcommand and its arguments, run as one child.
struct SuiteUnit {
  std::size_t entry = 0;          ///< index into Suite::entries
  std::vector<std::string> args;  ///< `parallax ARGS…`, ending in --store STORE (and the unit's length)
  std::string label;              ///< e.g. "reduce parity/diag n=64"
  double cost = 0;                ///< what orders the units: the length; unsplit entries first
};

/// Reads a suite: the file (or, for an empty `file`, the built-in suite),
/// under `quick` its quick variant. Throws SuiteError for a file that cannot
/// be read, a malformed suite, and a suite without entries.
Suite load_suite(const std::string& file, bool quick);

/// Checks every entry of `suite` against `commands` (the kinds a suite may
/// hold) and by its kind's validate(), and splits the entries into units that
/// write to `store_path`, largest first (a stable order). Throws SuiteError
/// "FILE:LINE: [[kind]] #K: …" naming the entry's or the key's line.
std::vector<SuiteUnit> plan_suite(const Suite& suite, const std::vector<SuiteCommand>& commands,
                                  const std::string& store_path);

/// A unit as a shell command line: "parallax ARGS…", quoted where needed.
std::string command_line(const SuiteUnit& unit);

/// The suite's name: its `name`, else "default" for the built-in suite, else the file's stem.
std::string suite_name(const Suite& suite);
/// The configuration of the suite's own run in the store: name, text hash, quick.
nlohmann::json suite_config(const Suite& suite);

struct SuiteRunOptions {
  std::string dir;      ///< DIR: the store is DIR/results.sqlite, the units' logs DIR/logs/ (which must exist)
  int jobs = 1;         ///< units at once
  std::string version;  ///< the parallax version, for the store's records of who wrote it
  std::string store_path() const;
};

/// A unit that ended (SuiteRunHooks::unit_ended).
struct SuiteUnitEnd {
  std::size_t done = 0, total = 0;  ///< units ended so far (this one included), all units
  double seconds = 0;               ///< the unit's own wall time
  const SuiteUnit* unit = nullptr;
  int exit_code = 0;                ///< 0 ok; anything else is a failed unit
};

struct SuiteRunHooks {
  /// Starts a unit, `parallax ARGS…` with its output appended to `log_path`;
  /// returns an id that wait_unit reports when it ends.
  std::function<std::int64_t(const std::vector<std::string>& args, const std::string& log_path)> start_unit;
  /// Waits for any started unit to end: {its id, its exit status}. An id
  /// that start_unit did not return is ignored.
  std::function<std::pair<std::int64_t, int>()> wait_unit;
  /// The store is open and the suite's run begun: the units start next (may be empty).
  std::function<void()> started;
  /// A unit ended (may be empty).
  std::function<void(const SuiteUnitEnd&)> unit_ended;
};

struct SuiteOutcome {
  std::unique_ptr<Store> store;     ///< the store, still open (for the report)
  SuiteRecord record;               ///< this attempt's record (stored unless it adds nothing)
  std::vector<std::string> failed;  ///< per failed unit: "LABEL (exit N; log PATH)"
};

/// Opens the store and the suite's run (a StoreError before any unit starts:
/// a bad store fails first), runs the units `jobs` at a time in their order
/// (each unit's command line is appended to its log first), and stores the
/// suite's record: one per attempt ("suite", then "suite/attempt=K"), none
/// when a rerun of a run that had succeeded succeeds again. The run is
/// finished when no unit failed; a rerun retries exactly the failed units.
SuiteOutcome run_suite(const Suite& suite, const std::vector<SuiteUnit>& units, const SuiteRunOptions& options,
                       const SuiteRunHooks& hooks);

}  // namespace parallax::experiment
