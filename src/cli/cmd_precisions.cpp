// `parallax precisions`: the precision specs every command accepts.
#include <fmt/format.h>

#include "cli/common.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/precision.hpp"

namespace parallax::cli {

void add_precisions(CLI::App& app) {
  auto* cmd = app.add_subcommand("precisions", "List the precision specs (--precision) with one-line explanations");
  struct Opts {
    FormatFlags fmt;
    std::string check;
    std::size_t n = 0;
  };
  auto opts = std::make_shared<Opts>();
  opts->fmt.add_to(*cmd);
  cmd->add_option("--check", opts->check, "Parse one spec and show what it resolves to (exit 2 if malformed)");
  cmd->add_option("--n", opts->n, "Input length used to resolve log:C and poly:K specs with --check");
  cmd->callback([opts] {
    if (!opts->check.empty()) {
      numeric::Precision p;
      try {
        p = numeric::Precision::parse(opts->check);
        if (!p.resolved()) {
          if (opts->n == 0) throw CliError(kBadInput, fmt::format("'{}' depends on the input length: give --n", opts->check));
          p = p.resolve(opts->n);
        }
      } catch (const numeric::PrecisionError& e) {
        throw CliError(kBadInput, e.what());
      }
      Records r({"spec", "resolved", "description"});
      r.add({{"spec", opts->check}, {"resolved", p.to_string()}, {"description", numeric::describe(p)}});
      r.print(opts->fmt.format());
      return;
    }
    Records r({"form", "example", "meaning"});
    for (const auto& f : numeric::precision_forms())
      r.add({{"form", f.syntax}, {"example", f.example}, {"meaning", f.description}});
    r.print(opts->fmt.format());
  });
}

}  // namespace parallax::cli
