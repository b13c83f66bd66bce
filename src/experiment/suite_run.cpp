#include "experiment/suite_run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "automata/languages.hpp"
#include "experiment/circuit.hpp"
#include "experiment/lengths.hpp"
#include "experiment/options.hpp"
#include "experiment/recognize.hpp"
#include "experiment/reduce.hpp"
#include "experiment/solve.hpp"
#include "models/json_positions.hpp"
#include "numeric/limits.hpp"

namespace parallax::experiment {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail_at(const Suite& s, int line, const std::string& msg) {
  throw SuiteError(fmt::format("{}:{}: {}", s.file, line, msg));
}

std::string entry_name(const SuiteEntry& e) { return fmt::format("[[{}]] #{}", e.kind, e.index); }

/// A key's value as the child's command line receives it.
constexpr auto text_of = &OptionKeys::text_of;

/// The option of `command` with the long name `name`, or null.
const CommandOption* find_option(const SuiteCommand& command, const std::string& name) {
  for (const auto& o : command.options)
    if (std::find(o.names.begin(), o.names.end(), name) != o.names.end()) return &o;
  return nullptr;
}

/// Checks what the libraries can check before any work: each entry's
/// options, built from its keys and validated as its subcommand validates
/// them (experiment/options.hpp). Each error names the key's line.
void check_semantics(const Suite& s, const SuiteEntry& e) {
  auto line = [&](const char* key) { return e.lines.count(key) ? e.lines.at(key) : e.line; };
  auto str = [&](const char* key) -> std::string { return e.options.contains(key) ? text_of(e.options[key]) : ""; };
  const OptionNames names{false};
  const OptionKeys keys(e.options);
  // validates the options of each unit (one length) of an entry split by its lengths, as its child will
  auto validate_units = [&](auto options) {
    if (!keys.has("lengths")) return options.validate(names);
    const auto lengths = options.lengths;
    for (const std::size_t n : lengths) {
      options.lengths = {n};
      try {
        options.validate(names);
      } catch (const OptionError& ex) {
        if (ex.option != "lengths") throw;
        throw OptionError(ex.option, fmt::format("{} (n = {})", ex.what(), n));
      }
    }
  };
  try {
    if (e.kind == "reduce") {
      validate_units(reduce::options_from_json(e.options));
    } else if (e.kind == "recognize") {
      const auto options = recognize::options_from_json(e.options);
      if (keys.has("language")) {
        automata::Automaton a;
        try {
          a.dfa = automata::language(str("language"));
        } catch (const std::exception& ex) {
          fail_at(s, line("language"), fmt::format("{}: language: {}", entry_name(e), ex.what()));
        }
        (void)recognize::compile_model(recognize::make_target(a), options.model, names);
      }
      validate_units(options);
    } else if (e.kind == "circuit") {
      circuit::options_from_json(e.options).validate(names);
    } else if (e.kind == "solve") {
      solve::options_from_json(e.options).validate();
    }
  } catch (const OptionError& ex) {
    fail_at(s, line(keys.spelled(ex.option).c_str()), fmt::format("{}: {}", entry_name(e), ex.what()));
  }
}

std::string quote(const std::string& a) {
  if (!a.empty() && a.find_first_of(" \t'\"$*?()[]{}|;&<>") == std::string::npos) return a;
  std::string out = "'";
  for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

const std::map<std::string, std::string>& suite_managed_options() {
  static const std::map<std::string, std::string> managed = {
      {"store", "the runner writes every entry to DIR/results.sqlite"},
      {"json", "the runner keeps the children's output in DIR/logs"},
      {"csv", "the runner keeps the children's output in DIR/logs"},
      {"help", "not an experiment option"},
      {"out", "results go to the store"},
      {"format", "results go to the store"},
      {"dump-states", "results go to the store"},
      {"strings", "stored runs use sampled words (lengths)"},
      {"input", "stored runs use generated instances (lengths)"},
  };
  return managed;
}

Suite load_suite(const std::string& file, bool quick) {
  Suite suite;
  if (file.empty()) {
    suite = parse_suite(default_suite_toml(), "built-in");
  } else {
    const auto text = models::read_text_file(file);
    if (!text) throw SuiteError(fmt::format("{}: cannot open the suite", file));
    suite = parse_suite(*text, file);
  }
  if (quick) suite = quick_suite(suite);
  if (suite.entries.empty())
    throw SuiteError(fmt::format("{}: the suite has no entries{}", suite.file, quick ? " under --quick" : ""));
  return suite;
}

std::vector<SuiteUnit> plan_suite(const Suite& s, const std::vector<SuiteCommand>& commands,
                                  const std::string& store_path) {
  const auto& managed = suite_managed_options();
  std::vector<std::string> kinds;
  for (const auto& c : commands) kinds.push_back(c.kind);
  std::vector<SuiteUnit> units;
  for (std::size_t ei = 0; ei < s.entries.size(); ++ei) {
    SuiteEntry e = s.entries[ei];
    const auto ci = std::find(kinds.begin(), kinds.end(), e.kind);
    if (ci == kinds.end())
      fail_at(s, e.line, fmt::format("[[{}]]: not a kind of experiment (valid: {})", e.kind, fmt::join(kinds, ", ")));
    const SuiteCommand& sub = commands[std::size_t(ci - kinds.begin())];
    // suite-wide defaults
    if (s.seed && !e.options.contains("seed") && find_option(sub, "seed")) e.options["seed"] = *s.seed;
    if (s.trials && !e.options.contains("trials") && find_option(sub, "trials")) e.options["trials"] = *s.trials;
    std::vector<std::string> valid;
    for (const auto& opt : sub.options)
      for (const auto& ln : opt.names)
        if (!managed.count(ln)) valid.push_back(ln);
    std::vector<std::string> args{e.kind};
    std::string split_key;  // one unit per value of this key
    std::vector<std::string> split_values;
    for (const auto& [key, value] : e.options.items()) {
      std::string name = key;
      std::replace(name.begin(), name.end(), '_', '-');
      const int line = e.lines.count(key) ? e.lines.at(key) : e.line;
      if (const auto m = managed.find(name); m != managed.end())
        fail_at(s, line, fmt::format("{}: '{}' cannot be set in a suite ({})", entry_name(e), key, m->second));
      const CommandOption* opt = find_option(sub, name);
      if (!opt)
        fail_at(s, line, fmt::format("{}: unknown option '{}' of `parallax {}` (valid: {})", entry_name(e), key, e.kind,
                                     fmt::join(valid, ", ")));
      if (opt->flag) {
        if (!value.is_boolean()) fail_at(s, line, fmt::format("{}: '{}' is a flag: write {} = true or false", entry_name(e), key, key));
        if (value.get<bool>()) args.push_back("--" + name);
        continue;
      }
      if (value.is_boolean()) fail_at(s, line, fmt::format("{}: '{}' takes a value, not true/false", entry_name(e), key));
      if (value.is_array() && value.empty())
        fail_at(s, line, fmt::format("{}: '{}' is an empty list", entry_name(e), key));
      // the option's own checks (a number where one is expected, no sign on an unsigned one, …), as in the child
      if (opt->check)
        for (const auto& item : value.is_array() && name == "length" ? value : nlohmann::ordered_json::array({value}))
          if (const auto why = opt->check(text_of(item)); !why.empty())
            fail_at(s, line, fmt::format("{}: '{}' = {}: {}", entry_name(e), key, item.dump(), why));
      if ((e.kind == "reduce" || e.kind == "recognize") && name == "lengths") {
        split_key = "--lengths";
        try {
          for (auto n : parse_lengths(text_of(value))) split_values.push_back(std::to_string(n));
        } catch (const std::exception& ex) {
          fail_at(s, line, fmt::format("{}: lengths: {}", entry_name(e), ex.what()));
        }
        continue;
      }
      if (name == "length" && value.is_array()) {
        split_key = "--length";
        for (const auto& x : value) split_values.push_back(text_of(x));
        continue;
      }
      args.push_back("--" + name);
      args.push_back(text_of(value));
    }
    for (const auto& opt : sub.options)
      if (opt.required && !opt.names.empty()) {
        const auto& ln = opt.names.front();
        std::string u = ln;
        std::replace(u.begin(), u.end(), '-', '_');
        if (!e.options.contains(ln) && !e.options.contains(u))
          fail_at(s, e.line, fmt::format("{}: `parallax {}` needs '{}'", entry_name(e), e.kind, u));
      }
    check_semantics(s, e);
    args.push_back("--store");
    args.push_back(store_path);
    auto describe = [&](const std::string& extra) {
      std::vector<std::string> bits;
      for (const char* k : {"problem", "language", "construction", "model", "cell", "method", "network", "fanin"})
        if (e.options.contains(k)) bits.push_back(text_of(e.options[k]));
      return fmt::format("{} {}{}", e.kind, fmt::join(bits, "/"), extra);
    };
    auto number = [](const std::string& v) {
      try {
        return std::stod(v);
      } catch (...) {
        return 1.0;
      }
    };
    if (units.size() + split_values.size() > limits::kMaxSuiteUnits)
      fail_at(s, e.line,
              fmt::format("{}: the suite splits into more than {} units (one per entry and length; "
                          "docs/limits.md): give fewer lengths",
                          entry_name(e), limits::kMaxSuiteUnits));
    if (split_values.empty()) {
      SuiteUnit u{ei, args, describe(""), 1e9};  // unsplit entries (sweeps) first
      units.push_back(std::move(u));
    } else {
      for (const auto& v : split_values) {
        SuiteUnit u{ei, args, describe(fmt::format(" n={}", v)), number(v)};
        u.args.push_back(split_key);
        u.args.push_back(v);
        units.push_back(std::move(u));
      }
    }
  }
  std::stable_sort(units.begin(), units.end(), [](const SuiteUnit& a, const SuiteUnit& b) { return a.cost > b.cost; });
  return units;
}

std::string command_line(const SuiteUnit& unit) {
  std::vector<std::string> q;
  for (const auto& a : unit.args) q.push_back(quote(a));
  return fmt::format("parallax {}", fmt::join(q, " "));
}

std::string suite_name(const Suite& suite) {
  if (!suite.name.empty()) return suite.name;
  return suite.file == "built-in" ? "default" : fs::path(suite.file).stem().string();
}

nlohmann::json suite_config(const Suite& suite) {
  return {{"name", suite_name(suite)}, {"toml_fnv1a", content_hash(suite.text)}, {"quick", suite.quick}};
}

std::string SuiteRunOptions::store_path() const { return (fs::path(dir) / "results.sqlite").string(); }

SuiteOutcome run_suite(const Suite& suite, const std::vector<SuiteUnit>& units, const SuiteRunOptions& o,
                       const SuiteRunHooks& hooks) {
  const fs::path dir(o.dir);
  const std::string store_path = o.store_path();
  SuiteOutcome out;
  // the suite's own run: opened first, so that a bad store fails before any work
  out.store = std::make_unique<Store>(Store::open(store_path, true, "parallax " + o.version));
  Store& store = *out.store;
  const std::int64_t suite_run = store.begin_run("suite", suite_config(suite), o.version, suite.seed.value_or(1));
  // the attempts so far of a resumed run, and whether the last one succeeded (checked before any work)
  std::size_t attempts = 0;
  bool last_ok = false;
  for (const auto& r : store.results(suite_run)) {
    if (r.kind != "suite") continue;
    ++attempts;
    last_ok = read_stored(stored_place(store_path, suite_run, "suite", r.key),
                          [&] { return suite_attempt_succeeded(nlohmann::json(r.record)); });
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  if (hooks.started) hooks.started();
  auto log_of = [&](const SuiteUnit& u) {
    return (dir / "logs" / fmt::format("{:03}-{}.log", u.entry + 1, suite.entries[u.entry].kind)).string();
  };
  std::map<std::int64_t, std::size_t> running;
  std::map<std::int64_t, double> started;
  std::size_t next = 0, done = 0;
  while (next < units.size() || !running.empty()) {
    while (next < units.size() && static_cast<int>(running.size()) < o.jobs) {
      const auto& u = units[next];
      const std::string log = log_of(u);
      if (std::ofstream f(log, std::ios::app); f) f << "$ " << command_line(u) << '\n';
      const std::int64_t id = hooks.start_unit(u.args, log);
      running[id] = next;
      started[id] = elapsed();
      ++next;
    }
    const auto [id, code] = hooks.wait_unit();
    const auto it = running.find(id);
    if (it == running.end()) continue;
    const SuiteUnit& u = units[it->second];
    ++done;
    const double secs = elapsed() - started[id];
    // Any exit but 0 is a failed unit: 1 is a failed check or a diverged solve (whose record the child may have
    // stored) but also a child that died of an unexpected error; 2 is an input the planner let through; above 128 a
    // signal. The suite's run stays unfinished, and rerunning the command retries exactly these units.
    if (code != 0) out.failed.push_back(fmt::format("{} (exit {}; log {})", u.label, code, log_of(u)));
    if (hooks.unit_ended) hooks.unit_ended(SuiteUnitEnd{done, units.size(), secs, &u, code});
    running.erase(it);
  }
  auto& rec = out.record;
  rec.name = suite_name(suite);
  rec.source = suite.file;
  rec.quick = suite.quick;
  rec.toml = suite.text;
  rec.entries = suite.entries.size();
  rec.units = units.size();
  rec.jobs = static_cast<std::uint64_t>(o.jobs);
  rec.wall_seconds = elapsed();
  rec.failed_units = out.failed.size();
  rec.attempt = attempts + 1;
  // One record per attempt of the suite's run ("suite", then "suite/attempt=2", …; the last is current), so that
  // a resumed run that now succeeds is recorded as such; a rerun of a run that had already succeeded adds nothing.
  if (!(last_ok && out.failed.empty()))
    store.put_result(suite_run, "suite", attempts == 0 ? "suite" : fmt::format("suite/attempt={}", attempts + 1),
                     to_json(rec));
  if (out.failed.empty()) store.finish_run(suite_run);
  return out;
}

}  // namespace parallax::experiment
