// `parallax problems`: the decision problems with their complexity claims,
// constructions, instance formats and (stepwise problems) what the label after
// each position is; --example prints generated instances with their answers
// (and labels).
#include <fmt/format.h>

#include "cli/common.hpp"
#include "reductions/problem.hpp"

namespace parallax::cli {

void add_problems(CLI::App& app) {
  auto* cmd = app.add_subcommand("problems", "List the decision problems: class, claim, constructions, instance format");
  struct Opts {
    FormatFlags fmt;
    std::string example;
    std::size_t n = 12;
    std::uint64_t seed = 1;
  };
  auto o = std::make_shared<Opts>();
  o->fmt.add_to(*cmd);
  cmd->add_option("--example", o->example, "Print a yes and a no instance of this problem as JSON Lines: " + reductions::problem_names_summary());
  cmd->add_option("--n", o->n, "Size of the --example instances")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the --example instances")->capture_default_str();
  cmd->callback([o] {
    if (!o->example.empty()) {
      try {
        const auto p = reductions::make_problem(o->example);
        for (bool yes : {true, false}) {
          auto in = p->generate(o->n, o->seed, yes);
          in["answer"] = p->solve(in);
          if (!p->info().steps.empty()) in["steps"] = p->solve_steps(in);  // the label after each position
          fmt::print("{}\n", in.dump());
        }
      } catch (const reductions::ProblemError& e) {
        throw CliError(kBadInput, e.what());
      }
      return;
    }
    Records r({"problem", "class", "constructions", "claim", "instance"});
    for (const auto& info : reductions::problem_catalog()) {
      std::vector<std::string> cs;
      for (const auto& c : info.constructions) cs.push_back(c.name);
      r.add({{"problem", info.name},
             {"family", info.family},
             {"class", automata::to_string(info.complexity)},
             {"constructions", fmt::format("{}", fmt::join(cs, " "))},
             {"claim", info.claim},
             {"instance", info.instance_format},
             {"steps", info.steps.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(info.steps)}});
    }
    r.print(o->fmt.format());
  });
}

}  // namespace parallax::cli
