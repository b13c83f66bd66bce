// `parallax circuit`: compile a model over n steps into a circuit and measure
// it, or sweep n and fit the depth to a + b·log₂ n and to a + b·n.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <sstream>

#include "circuits/aig.hpp"
#include "circuits/export.hpp"
#include "circuits/json.hpp"
#include "circuits/metrics.hpp"
#include "cli/common.hpp"
#include "cli/store_link.hpp"
#include "experiment/circuit.hpp"
#include "experiment/records.hpp"
#include "experiment/store.hpp"
#include "experiment/fit.hpp"
#include "numeric/output.hpp"

namespace parallax::cli {
namespace {

struct CircuitOpts {
  FormatFlags fmt;
  std::string model;
  std::size_t n = 0;
  std::string sweep;
  std::string network = "brent-kung";
  std::string fanin = "bounded";
  std::string format = "table";
  std::string out;
  std::uint64_t seed = 1;
  std::string store;
};

/// TEXT to --out (atomically: the file is complete or unchanged) or to stdout.
void write_circuit_output(const CircuitOpts& o, const std::string& text) {
  if (o.out.empty()) std::cout << text;
  else io::write_file_atomic(o.out, text);
}

void run_circuit(const CircuitOpts& o) {
  if (!o.out.empty()) io::check_output_path(o.out, "--out");  // before any work (and before a --store is opened)
  // --json: metric records as JSON Lines; --format json: the circuit itself
  const std::string format = o.fmt.json ? "records" : o.fmt.csv ? "csv" : o.format;
  const bool one_circuit = format == "json" || format == "dot" || format == "blif" || format == "aiger" || format == "aig";
  if (format != "table" && format != "records" && format != "csv" && !one_circuit)
    throw CliError(kBadInput, fmt::format("--format: '{}' is not table, csv, json, dot, blif, aiger or aig", format));
  if (one_circuit && !o.sweep.empty() && o.n == 0)
    throw CliError(kBadInput, fmt::format("--format {} writes one circuit: give --n, not --sweep", format));
  const experiment::circuit::Options co{o.model, o.network, o.fanin, o.seed, o.n, o.sweep, one_circuit};
  experiment::circuit::Request req;
  std::vector<std::size_t> ns;
  try {
    co.validate();  // before any circuit is built (and before a --store is opened)
    req = co.request();
    ns = co.lengths();
  } catch (const experiment::OptionError& e) {
    throw CliError(kBadInput, e.what());
  }

  if (one_circuit) {  // one circuit written out: no store, no sweep
    if (!o.store.empty()) throw CliError(kBadInput, fmt::format("--store keeps metrics, not a --format {} circuit", format));
    circuits::Circuit c;
    try {
      c = experiment::circuit::build(req, ns.front());
    } catch (const experiment::circuit::SpecError& e) {
      throw CliError(kBadInput, e.what());
    }
    std::ostringstream text(std::ios::out | std::ios::binary);
    if (format == "json") {
      text << circuits::circuit_to_json(c) << '\n';
    } else if (format == "dot") {
      circuits::write_dot(c, text);
    } else {
      circuits::Aig aig;
      try {
        aig = circuits::to_aig(c);
      } catch (const std::invalid_argument& e) {
        throw CliError(kBadInput, fmt::format("--format {}: '{}' is not a Boolean circuit ({})", format, o.model, e.what()));
      }
      if (format == "blif") circuits::write_blif(aig, text);
      else if (format == "aiger") circuits::write_aiger(aig, text);
      else circuits::write_aiger_binary(aig, text);
    }
    write_circuit_output(o, text.str());
    return;
  }

  StoreLink link;
  experiment::circuit::Hooks hooks;
  if (!o.store.empty()) {
    link.open(o.store, "circuit", experiment::circuit::config(co), o.seed);
    hooks = experiment::circuit::store_hooks(link.results("circuit"));
  }
  std::vector<experiment::CircuitRecord> records;
  try {
    records = experiment::circuit::run(co, hooks);
  } catch (const experiment::StoreError& e) {
    throw store_error(e);
  } catch (const experiment::circuit::SpecError& e) {
    throw CliError(kBadInput, e.what());
  }
  link.finish();
  Records r({"n", "size", "depth", "depth_bounded", "mult_depth", "max_fanin", "gates", "mbytes", "seconds"});
  std::vector<double> xs_log, xs_lin, ys;
  for (const auto& rec : records) {
    r.add(experiment::to_json(rec));
    xs_log.push_back(std::log2(double(rec.length)));
    xs_lin.push_back(double(rec.length));
    ys.push_back(double(rec.depth));
  }
  std::ostringstream text;
  if (format == "records") {
    for (const auto& row : r.rows()) text << row.dump() << '\n';
  } else if (format == "csv") {  // the metric columns only (every value is a number)
    const char* columns[] = {"n", "size", "depth", "depth_bounded", "mult_depth", "max_fanin", "gates", "mbytes", "seconds"};
    for (std::size_t i = 0; i < std::size(columns); ++i) text << (i ? "," : "") << columns[i];
    text << '\n';
    for (const auto& row : r.rows()) {
      for (std::size_t i = 0; i < std::size(columns); ++i) text << (i ? "," : "") << row.at(columns[i]).dump();
      text << '\n';
    }
  } else {
    auto* old = std::cout.rdbuf(text.rdbuf());
    r.print(Format::Table);
    std::cout.rdbuf(old);
    if (ns.size() >= 3) {
      const auto lg = experiment::fit_line(xs_log, ys), ln = experiment::fit_line(xs_lin, ys);
      text << fmt::format("\ndepth ≈ {:.3f} + {:.3f}·log2 n   (residual sum of squares {:.3g})\n", lg.a, lg.b, lg.rss);
      text << fmt::format("depth ≈ {:.3f} + {:.6f}·n        (residual sum of squares {:.3g})\n", ln.a, ln.b, ln.rss);
      const bool constant = ys.front() == ys.back();
      text << fmt::format("fits: {}\n", constant           ? "constant depth (b = 0 in both fits)"
                                         : lg.rss <= ln.rss ? "a + b·log2 n (logarithmic depth)"
                                                            : "a + b·n (linear depth)");
    }
  }
  write_circuit_output(o, text.str());
}

}  // namespace

void add_circuit(CLI::App& app) {
  auto* cmd = app.add_subcommand("circuit", "Compile a model over n steps into a circuit; size, depth, fan-in; sweeps with depth fits");
  auto o = std::make_shared<CircuitOpts>();
  o->fmt.add_to(*cmd);
  cmd->add_option("--model,-m", o->model, "Model: " + experiment::circuit::spec_forms())->required();
  cmd->add_option("--n", o->n, "Number of steps");
  cmd->add_option("--sweep", o->sweep, "A..B: n = A, 2A, 4A, … up to B, with fits of the depth to a + b·log2 n and a + b·n");
  cmd->add_option("--network", o->network, "Prefix network: serial, sklansky, brent-kung, kogge-stone, ladner-fischer")
      ->capture_default_str();
  cmd->add_option("--fanin", o->fanin, "bounded, or unbounded (iterated sums, products and maxima as single gates: diagonal LRNNs / SSMs and "
                  "transformers, whose depth is then constant in n)")
      ->capture_default_str();
  cmd->add_option("--format", o->format,
                  "table (metrics), csv (metrics), json (the circuit, docs/circuit-json.md), dot, or for Boolean circuits (dfa:) blif, aiger (ASCII) and aig (binary AIGER); --json prints the metrics as JSON Lines")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Write to this file instead of stdout");
  cmd->add_option("--seed", o->seed, "Seed of the random model parameters")->capture_default_str();
  cmd->add_option("--store", o->store,
                  "SQLite result store (docs/store.md): one record per n, written as measured; a rerun of the same "
                  "configuration reads back the stored ones (resume)");
  cmd->callback([o] { run_circuit(*o); });
}

}  // namespace parallax::cli
