#include "cli/commands.hpp"

#include <string>

#include "cli/common.hpp"

namespace parallax::cli {

void add_commands(CLI::App& app) {
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
  add_dataset(app);
  add_reduce(app);
  add_store(app);
  add_solve(app);
  add_run(app);
  add_report(app);
  check_numeric_options(app);
}

std::vector<experiment::SuiteCommand> suite_commands(CLI::App& app) {
  std::vector<experiment::SuiteCommand> out;
  for (auto* sub : app.get_subcommands([](CLI::App* a) { return a->get_option_no_throw("--store") != nullptr; })) {
    experiment::SuiteCommand c{sub->get_name(), {}};
    for (auto* opt : sub->get_options([](const CLI::Option* o) { return !o->get_lnames().empty(); })) {
      // the option's validators, in order, as CLI11 applies them to the child's argument
      auto check = [opt](const std::string& text) {
        for (int vi = 0;; ++vi) {
          const CLI::Validator* v = nullptr;
          try {
            v = opt->get_validator(vi);
          } catch (const CLI::OptionNotFound&) {
            return std::string();
          }
          std::string t = text;
          if (auto why = (*v)(t); !why.empty()) return why;
        }
      };
      c.options.push_back({opt->get_lnames(), opt->get_expected_min() == 0, opt->get_required(), check});
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<experiment::SuiteCommand> suite_commands() {
  // the checks hold pointers into the parser's options: it lives as long as they may be called
  static CLI::App* const app = [] {
    auto* a = new CLI::App;
    add_commands(*a);
    return a;
  }();
  return suite_commands(*app);
}

}  // namespace parallax::cli
