#pragma once
// The `parallax` commands as one parser, and what the suite planner reads
// from it. Light on purpose (no CLI11): the Python package includes it to
// check a suite's entries against the very options of the command line.
#include <vector>

#include "experiment/suite_run.hpp"

namespace CLI {
class App;
}

namespace parallax::cli {

/// Registers every subcommand of `parallax` on APP, then tightens its numeric
/// options (check_numeric_options).
void add_commands(CLI::App& app);

/// The subcommands of APP that can write a store (the kinds of suite
/// entries), each with its long options and their validators, as
/// experiment::plan_suite checks a suite's keys against them.
std::vector<experiment::SuiteCommand> suite_commands(CLI::App& app);
/// The same, read from a parser of every command (for front ends other than
/// the command line).
std::vector<experiment::SuiteCommand> suite_commands();

}  // namespace parallax::cli
