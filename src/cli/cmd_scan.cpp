// `parallax scan`: run one LRNN on one input sequence at a chosen precision,
// sequentially, by a parallel scan or on the CUDA device, or a transformer
// file directly, and print the final state and verdict
// (experiment/scan.hpp).
#include <fmt/format.h>

#include "cli/common.hpp"
#include "cli/device.hpp"
#include "experiment/scan.hpp"
#include "models/transformer.hpp"

namespace parallax::cli {
namespace {

namespace scan = experiment::scan;

struct ScanArgs {
  FormatFlags fmt;
  scan::Options o;
  std::size_t random = 0;
  bool random_given = false;
  std::string precision = "fp64";
  std::string device = "cpu";
  std::string algo;  // --device cuda: layered (default), cub, sequential
};

void print_table(const scan::Record& r) {
  if (r.kind == scan::Kind::Transformer) {
    fmt::print("model      {} (transformer, {} layers, d_model = {})\n", r.model, r.layers, r.d);
    fmt::print("input      n = {}{}\n", r.n, r.bos_prepended ? " (bos prepended)" : "");
    fmt::print("precision  {} ({})\n", r.precision, r.precision_about);
    fmt::print("stream     [{}{}]  (last position)\n", fmt::join(r.state, ", "), r.state_truncated ? ", …" : "");
    fmt::print("score      {}  (<c, x_n> + c0)\n", r.score);
  } else {
    fmt::print("model      {} ({}, d = {})\n", r.model, r.structure, r.d);
    fmt::print("input      n = {}\n", r.n);
    fmt::print("precision  {} ({})\n", r.precision, r.precision_about);
    if (r.kind == scan::Kind::Device)
      fmt::print("device     cuda, {} scan: {}\n", r.algo, r.gpu);
    else
      fmt::print("mode       {}{}\n", r.parallel ? "parallel" : "sequential",
                 r.parallel ? fmt::format(", {} thread{}", r.threads, r.threads == 1 ? "" : "s") : "");
    fmt::print("state      [{}{}]\n", fmt::join(r.state, ", "),
               r.state_truncated ? fmt::format(", … ({} entries)", r.d) : "");
    fmt::print("score      {}  (<c, h> + c0)\n", r.score);
  }
  fmt::print("verdict    {}\n", r.verdict);
  if (!r.events.empty()) fmt::print("events     {}\n", fmt::join(r.events, ", "));
  if (r.kind != scan::Kind::Device) {
    fmt::print("time       {:.6f} s\n", r.seconds);
    return;
  }
  fmt::print("time       kernels {:.3f} ms, with transfers {:.3f} ms\n", r.kernel_ms, r.total_ms);
  fmt::print("cpu        sequential run at the same precision: {:.6f} s, final state max |Δ| {:.3e}\n", r.cpu_seconds,
             r.cpu_max_abs_diff);
}

/// The CSV and table columns of each kind (--json prints every field).
std::vector<std::string> columns(scan::Kind kind) {
  switch (kind) {
    case scan::Kind::Lrnn:
      return {"model", "structure", "d", "n", "precision", "scalar", "mode", "threads", "score", "verdict", "events",
              "seconds"};
    case scan::Kind::Device:
      return {"model", "structure", "d", "n", "precision", "scalar", "device", "algo", "score", "verdict", "kernel_ms",
              "total_ms", "cpu_max_abs_diff", "cpu_seconds", "gpu"};
    case scan::Kind::Transformer: break;
  }
  return {"model", "layers", "d_model", "n", "precision", "scalar", "score", "verdict", "events", "seconds"};
}

void run_scan(ScanArgs& a) {
  if (a.random_given) a.o.random = a.random;
  a.o.device = a.device == "cuda" ? scan::Device::Cuda : scan::Device::Cpu;
  if (!a.algo.empty())
    a.o.algo = a.algo == "cub"          ? kernels::cuda::ScanAlgo::Cub
               : a.algo == "sequential" ? kernels::cuda::ScanAlgo::Sequential
                                        : kernels::cuda::ScanAlgo::Layered;
  scan::Record r;
  try {
    a.o.validate();
    try {
      a.o.precision = numeric::Precision::parse(a.precision);
    } catch (const numeric::PrecisionError& e) {
      throw CliError(kBadInput, fmt::format("--precision: {}", e.what()));
    }
    r = with_cuda_errors([&] { return scan::run(a.o); });
  } catch (const scan::Error& e) {
    throw CliError(kBadInput, e.what());
  } catch (const models::TransformerUndecided& e) {
    throw CliError(kFailure, e.what());
  }
  if (a.fmt.format() == Format::Table) return print_table(r);
  Records rows(columns(r.kind));
  rows.add(scan::to_json(r));
  rows.print(a.fmt.format());
}

}  // namespace

void add_scan(CLI::App& app) {
  auto* cmd = app.add_subcommand("scan", "Run an LRNN on one input sequence: final state and acceptance");
  auto a = std::make_shared<ScanArgs>();
  scan::Options& o = a->o;
  a->fmt.add_to(*cmd);
  cmd->add_option("--model,-m", o.model, "Named model (see `parallax models`), a JSON model file (docs/lrnn-json.md), or transformer:FILE (docs/transformer-json.md; evaluated directly, no scan)")
      ->required();
  cmd->add_option("--tokens,-t", o.tokens, "Token sequence, names separated by spaces or commas (\"abba\" when names are single letters)");
  cmd->add_option("--tokens-file", o.tokens_file, "File holding the token sequence");
  cmd->add_option("--inputs-file", o.inputs_file, "Real-valued inputs: one time step per line (models with input_dim)");
  cmd->add_option("--random", a->random, "Random token sequence of this length (uniform over the alphabet)")
      ->each([a](const std::string&) { a->random_given = true; });
  cmd->add_option("--seed", o.seed, "Seed for --random")->capture_default_str();
  cmd->add_option("--precision,-p", a->precision, "Arithmetic (see `parallax precisions`)")->capture_default_str();
  cmd->add_flag("--parallel", o.parallel, "Evaluate by a parallel scan of affine-map compositions");
  cmd->add_option("--threads", o.threads, "Threads for --parallel (0 = all; at most one per block is used)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--block", o.block, "Scan block size in elements (0 = automatic; at most the input's length)");
  cmd->add_option("--show-state", o.show_state, "Print at most this many state entries")->capture_default_str();
  add_device_option(*cmd, a->device);
  cmd->add_option("--algo", a->algo,
                  "--device cuda: the device's scan, layered (default), cub (diagonal models) or sequential; the CPU's "
                  "sequential run at the same precision is always compared")
      ->check(CLI::IsMember({"layered", "cub", "sequential"}));
  cmd->callback([a] { run_scan(*a); });
}

}  // namespace parallax::cli
