// `parallax bench monoid`: transition-monoid enumeration on the S5 automaton
// and random DFAs; --gap-out writes the same generators as a GAP program
// (bench/gap_monoid.sh runs both and compares).
#include <fmt/format.h>

#include "bench/monoid_bench.hpp"
#include "cli/common.hpp"
#include "numeric/limits.hpp"
#include "numeric/output.hpp"

namespace parallax::cli {

void add_bench_monoid(CLI::App& bench) {
  auto* cmd = bench.add_subcommand("monoid",
                                   "Transition-monoid enumeration (Froidure-Pin) on the S5 automaton and random DFAs; "
                                   "--gap-out writes the same generators as a GAP program");
  struct Opts {
    FormatFlags fmt;
    bench::MonoidBenchOptions b;
    bool no_s5 = false;
    std::string gap_out;
  };
  auto o = std::make_shared<Opts>();
  o->fmt.add_to(*cmd);
  cmd->add_option("--random", o->b.random, "Random DFAs")->capture_default_str();
  cmd->add_option("--states", o->b.states, "States of each random DFA")->capture_default_str()->check(CLI::Range(1, 255));
  cmd->add_option("--letters", o->b.letters, "Letters of each random DFA")->capture_default_str()->check(CLI::Range(1, 26));
  cmd->add_option("--seed", o->b.seed, "Seed of the first random DFA (the k-th uses seed + k)")->capture_default_str();
  cmd->add_option("--repeat", o->b.repeat, "Timings are the best of this many enumerations")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--max-monoid", o->b.max_size, "Give up past this many elements")->capture_default_str();
  cmd->add_flag("--no-s5", o->no_s5, "Leave out the S5 word-problem automaton");
  cmd->add_option("--gap-out", o->gap_out, "Also write a GAP program computing Size(Semigroup(...)) of the same generators");
  cmd->callback([o] {
    o->b.s5 = !o->no_s5;
    {  // the random automata (made at once) and the largest monoid enumeration, before either
      using limits::add;
      using limits::mul;
      limits::check_count(o->b.random, limits::kMaxBenchAutomata, "--random");
      const std::uint64_t automata = mul(o->b.random, add(mul(mul(o->b.states, o->b.letters), 4), 256));
      // an element: its image of every state, its right multiples (one per letter), a hash slot and its word's links
      const std::uint64_t element = mul(2, add(add(std::max<std::uint64_t>(o->b.states, 5), mul(4, std::max<std::uint64_t>(o->b.letters, 2))), 32));
      limits::check_memory(add(automata, mul(o->b.max_size, element)),
                           fmt::format("--max-monoid {} with --states {} and --random {}", o->b.max_size, o->b.states, o->b.random));
    }
    if (!o->gap_out.empty()) io::check_output_path(o->gap_out, "--gap-out");
    const auto dfas = bench::monoid_bench_automata(o->b);
    if (!o->gap_out.empty()) io::write_file_atomic(o->gap_out, bench::gap_program(dfas, o->b.repeat));
    Records r({"name", "states", "letters", "monoid_size", "seconds"});
    for (const auto& x : bench::run_monoid_bench(dfas, o->b))
      r.add({{"name", x.name}, {"states", x.states}, {"letters", x.letters}, {"monoid_size", x.monoid_size}, {"seconds", x.seconds}});
    r.print(o->fmt.format());
  });
}

}  // namespace parallax::cli
