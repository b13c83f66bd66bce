// parallax: the command-line front end. Each subcommand lives in its own
// cmd_*.cpp; this file wires them up and maps errors to exit codes.
//
// Output: a file that cannot be written is io::WriteError (exit 1; 2 when the
// path itself is bad input: a directory, a missing folder). Standard output is
// flushed and checked after every command, help and version included: a
// failed write there (a full disk, a closed descriptor) is "cannot write
// standard output" and exit 1. A reader that closed the pipe early (EPIPE,
// where SIGPIPE is ignored; otherwise SIGPIPE ends the process) gives exit 1
// without a message: `parallax … | head -1` is not an error to report.
// SIGXFSZ is ignored, so that a file-size limit (ulimit -f) is a write error
// naming the file rather than a core dump.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <iostream>
#include <system_error>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "experiment/child_process.hpp"
#include "numeric/limits.hpp"
#include "numeric/output.hpp"

#ifndef PARALLAX_VERSION
#define PARALLAX_VERSION "unknown"
#endif

namespace {

using namespace parallax::cli;
namespace io = parallax::io;

/// The exit code once standard output is flushed and checked (CODE: the command's).
int finish_output(int code) {
  const auto end = io::finish_stdout();
  if (end.kind == io::StdoutEnd::Ok) return code;
  if (end.kind == io::StdoutEnd::Failed)
    std::cerr << "parallax: error: cannot write standard output: " << end.reason << '\n';
  return code == kOk ? kFailure : code;
}

int run_command(int argc, char** argv) {
  CLI::App app{"Parallax: parallelism versus expressivity in sequence models, measured.\n"
               "Linear RNNs under controlled precision, parallel scans, and more."};
  app.set_version_flag("--version", std::string("parallax ") + PARALLAX_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  add_commands(app);
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
  } catch (const parallax::experiment::ChildProcessError& e) {
    std::cerr << "parallax: " << e.what() << '\n';
    return kFailure;
  } catch (const parallax::limits::LimitError& e) {
    std::cerr << "parallax: " << e.what() << '\n';
    return kBadInput;
  } catch (const io::WriteError& e) {
    std::cerr << "parallax: error: " << e.what() << '\n';
    return e.bad_path ? kBadInput : kFailure;
  } catch (const std::system_error& e) {
    if (io::stdout_failed()) {  // fmt::print could not write standard output: finish_output() reports it
      io::note_stdout_error(e.code().value());
      return kFailure;
    }
    std::cerr << "parallax: error: " << e.what() << '\n';
    return kFailure;
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

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGXFSZ, SIG_IGN);
  io::begin_stdout();
  return finish_output(run_command(argc, argv));
}
