// parallax: the command-line front end. Each subcommand lives in its own
// cmd_*.cpp; this file wires them up and maps errors to exit codes.
#include <fmt/format.h>

#include <exception>
#include <new>
#include <iostream>

#include "cli/common.hpp"
#include "numeric/limits.hpp"

#ifndef PARALLAX_VERSION
#define PARALLAX_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace parallax::cli;
  CLI::App app{"Parallax: parallelism versus expressivity in sequence models, measured.\n"
               "Linear RNNs under controlled precision, parallel scans, and more."};
  app.set_version_flag("--version", std::string("parallax ") + PARALLAX_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  add_precisions(app);
  add_models(app);
  add_scan(app);
  add_bench(app);
  add_demo(app);
  add_circuit(app);
  add_languages(app);
  add_classify(app);
  add_recognize(app);
  add_equivalent(app);
  add_problems(app);
  add_reduce(app);
  add_store(app);
  add_solve(app);
  add_run(app);
  add_report(app);
  check_numeric_options(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kBadInput;
  } catch (const CliError& e) {
    if (*e.what()) std::cerr << "parallax: " << e.what() << '\n';  // empty: the answer was already printed
    return e.code;
  } catch (const limits::LimitError& e) {
    std::cerr << "parallax: " << e.what() << '\n';
    return kBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << "parallax: error: out of memory (an input larger than the checks of docs/limits.md foresaw; "
                 "PARALLAX_MEMORY_LIMIT lowers the memory budget)\n";
    return kFailure;
  } catch (const std::exception& e) {
    std::cerr << "parallax: error: " << e.what() << '\n';
    return kFailure;
  }
  return kOk;
}
