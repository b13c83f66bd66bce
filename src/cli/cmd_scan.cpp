// `parallax scan`: run one LRNN on one input sequence at a chosen precision,
// sequentially or by a parallel scan, and print the final state and verdict.
#include <fmt/format.h>

#include <omp.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cli/common.hpp"
#include "cli/device.hpp"
#include "kernels/scan.hpp"
#include "models/json_positions.hpp"
#include "models/lrnn.hpp"
#include "models/model.hpp"
#include "models/transformer.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/limits.hpp"
#include "numeric/precision.hpp"

namespace parallax::cli {
namespace {

struct ScanOpts {
  FormatFlags fmt;
  std::string model;
  std::string tokens;
  std::string tokens_file;
  std::string inputs_file;
  std::size_t random = 0;
  bool random_given = false;
  std::uint64_t seed = 1;
  std::string precision = "fp64";
  bool parallel = false;
  int threads = 0;
  std::size_t block = 0;
  std::size_t show_state = 16;
  std::string device = "cpu";
  std::string algo;  // --device cuda: layered (default), cub, sequential
};

/// Real-valued inputs: one time step per non-empty line, numbers separated by
/// spaces or commas, read exactly ("0.1" is 1/10). '#' starts a comment.
std::vector<std::vector<numeric::Exact>> read_inputs(const std::string& path, std::size_t dim) {
  std::ifstream in(path);
  if (!in) throw CliError(kBadInput, fmt::format("{}: cannot open input file", path));
  std::error_code ec;
  if (const auto bytes = std::filesystem::file_size(path, ec); !ec)
    limits::check_count(bytes, limits::kMaxTextFileBytes, fmt::format("--inputs-file {}: the file's size in bytes", path));
  std::vector<std::vector<numeric::Exact>> xs;
  std::string line;
  for (std::size_t lineno = 1; std::getline(in, line); ++lineno) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    for (char& c : line)
      if (c == ',' || c == '\t' || c == '\r') c = ' ';
    std::istringstream words(line);
    std::vector<numeric::Exact> row;
    for (std::string w; words >> w;) {
      try {
        row.push_back(numeric::parse_exact(w));
      } catch (const std::exception&) {
        throw CliError(kBadInput, fmt::format("{}:{}: value {}: '{}' is not a number", path, lineno, row.size() + 1, w));
      }
    }
    if (row.empty()) continue;
    if (row.size() != dim)
      throw CliError(kBadInput, fmt::format("{}:{}: expected {} values per line (the model's input_dim), got {}", path,
                                            lineno, dim, row.size()));
    xs.push_back(std::move(row));
  }
  return xs;
}

std::string read_text(const std::string& path) {
  auto text = models::read_text_file(path);
  if (!text) throw CliError(kBadInput, fmt::format("{}: cannot open token file", path));
  return *text;
}

/// The option that gave the input sequence, for messages.
std::string input_option(const ScanOpts& o) {
  if (o.random_given) return fmt::format("--random {}", o.random);
  if (!o.tokens_file.empty()) return "--tokens-file " + o.tokens_file;
  if (!o.inputs_file.empty()) return "--inputs-file " + o.inputs_file;
  return "--tokens";
}

/// The sizes of the options alone, before anything is read or allocated:
/// --random up to limits::kMaxLength, --threads up to limits::kMaxThreads,
/// --block up to limits::kMaxLength (a block longer than the input is the input).
void check_scan_options(const ScanOpts& o) {
  if (o.random_given) limits::check_count(o.random, limits::kMaxLength, "--random");
  limits::check_count(static_cast<std::uint64_t>(o.threads), limits::kMaxThreads, "--threads");
  limits::check_count(o.block, limits::kMaxLength, "--block");
}

/// Bytes an LRNN scan of n steps holds besides the model: the tokens (or, for
/// real inputs, one transition per step), the parallel scan's carries (one
/// per block, each a state) and, on the device, the per-step arrays.
std::uint64_t lrnn_scan_bytes(const models::LrnnSpec& spec, const ScanOpts& o, std::size_t n, bool real_inputs, bool cuda) {
  using limits::add;
  using limits::mul;
  constexpr std::uint64_t kScalar = 64;  // an entry of any precision (exact ones grow; fp64 takes 8)
  const std::uint64_t d = spec.d;
  const bool dense = spec.structure == models::Structure::Dense || spec.structure == models::Structure::Dplr;
  const std::uint64_t entries = add(dense ? mul(d, d) : mul(2, d), d);  // one step's map (A, b)
  std::uint64_t bytes = real_inputs ? mul(n, add(96, mul(entries, kScalar))) : mul(n, 4);
  if (o.parallel) {
    const std::uint64_t block = o.block > 0 ? o.block : 512;  // the automatic block holds at least 512 elements
    bytes = add(bytes, mul(kernels::cpu::block_count(std::max<std::size_t>(n, 1), block), add(64, mul(d, kScalar))));
  }
  if (cuda) bytes = add(bytes, mul(n, mul(add(entries, d), 16)));  // host copies of a, b and the states, as T
  return bytes;
}

/// Threads the chained scan (kernels/cpu/scan.hpp) of this model over n
/// steps uses: the requested count (0: OpenMP's default), at most one per
/// block of the element type run_lrnn scans.
template <class T>
int scan_threads_used(const models::LrnnSpec& spec, std::size_t n, const kernels::ScanOptions& so) {
  if (n == 0) return 1;
  std::size_t B = 0;
  switch (spec.structure) {
    case models::Structure::Diagonal: B = kernels::cpu::block_size<typename kernels::DiagAffine<T>::element>(so); break;
    case models::Structure::Complex: B = kernels::cpu::block_size<typename kernels::BlockDiagAffine<T>::element>(so); break;
    case models::Structure::PermutationDiagonal: B = kernels::cpu::block_size<typename kernels::PDAffine<T>::element>(so); break;
    case models::Structure::Dense:
    case models::Structure::Dplr: B = kernels::cpu::block_size<typename kernels::DenseAffine<T>::element>(so); break;
  }
  const std::size_t blocks = kernels::cpu::block_count(n, std::min(std::max<std::size_t>(B, 1), n));
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(1, kernels::cpu::thread_count(so))), blocks));
}

/// `--model transformer:FILE`: the transformer evaluator (no scan: attention
/// is not a recurrence) on one token sequence at one precision.
void run_transformer_file(const ScanOpts& o, const std::string& path) {
  if (o.parallel || o.device != "cpu" || !o.algo.empty())
    throw CliError(kBadInput, "a transformer has no scan: --parallel, --device and --algo apply to LRNNs only");
  if (!o.inputs_file.empty()) throw CliError(kBadInput, "a transformer reads tokens, not --inputs-file");
  models::TransformerSpec spec;
  std::vector<std::uint32_t> tokens;
  try {
    spec = models::load_transformer(path);
    if (!o.tokens.empty()) tokens = models::parse_transformer_tokens(spec, o.tokens, "--tokens");
    if (!o.tokens_file.empty()) tokens = models::parse_transformer_tokens(spec, read_text(o.tokens_file), o.tokens_file);
  } catch (const models::ModelError& e) {
    throw CliError(kBadInput, e.what());
  }
  {  // the residual stream (and each layer's queries, keys and values): positions × d_model, before any work
    const std::size_t n = o.random_given ? o.random : tokens.size();
    const std::uint64_t per_position = limits::add(256, limits::mul(limits::mul(spec.d_model, 8), 64));
    limits::check_memory(limits::mul(limits::add(n, 1), per_position),
                         fmt::format("the transformer run of {} (d_model = {})", input_option(o), spec.d_model));
  }
  if (o.random_given) {
    std::mt19937_64 rng(o.seed);
    std::vector<std::uint32_t> letters;  // the bos token is prepended by the model, never drawn
    for (std::uint32_t i = 0; i < spec.vocab.size(); ++i)
      if (spec.vocab[i] != spec.bos) letters.push_back(i);
    if (letters.empty()) throw CliError(kBadInput, fmt::format("{}: no tokens to draw besides bos", path));
    tokens.resize(o.random);
    for (auto& t : tokens) t = letters[rng() % letters.size()];
  }
  numeric::Precision p;
  try {
    p = numeric::Precision::parse(o.precision).resolve(std::max<std::size_t>(tokens.size(), 2));
  } catch (const numeric::PrecisionError& e) {
    throw CliError(kBadInput, fmt::format("--precision: {}", e.what()));
  }
  if (const auto why = models::transformer_precision_problem(spec, p); !why.empty()) throw CliError(kBadInput, why);
  numeric::Status status;
  nlohmann::ordered_json rec;
  try {
    numeric::dispatch(
        p,
        [&](auto tag) {
          using T = typename decltype(tag)::type;
          const auto t0 = std::chrono::steady_clock::now();
          const auto run = models::run_transformer<T>(spec, tokens);
          const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          const std::string verdict = spec.has_readout() ? models::to_string(models::verdict_of(run.accept)) : "none";
          std::vector<std::string> last;
          for (std::size_t i = 0; i < run.stream.back().size() && i < o.show_state; ++i)
            last.push_back(numeric::to_string(run.stream.back()[i]));
          rec = {{"model", spec.name}, {"layers", spec.layers.size()}, {"d_model", spec.d_model}, {"n", tokens.size()},
                 {"precision", p.to_string()}, {"scalar", numeric::scalar_name<T>()},
                 {"score", numeric::to_string(run.score)}, {"verdict", verdict}, {"stream", last},
                 {"seconds", secs}};
        },
        &status);
  } catch (const models::TransformerUndecided& e) {
    throw CliError(kFailure, e.what());
  } catch (const models::ModelError& e) {
    throw CliError(kBadInput, e.what());
  }
  const std::vector<std::string> events = status.events();
  rec["events"] = events;
  if (o.fmt.format() == Format::Table) {
    fmt::print("model      {} (transformer, {} layers, d_model = {})\n", spec.name, spec.layers.size(), spec.d_model);
    fmt::print("input      n = {}{}\n", tokens.size(), spec.bos.empty() ? "" : " (bos prepended)");
    fmt::print("precision  {} ({})\n", p.to_string(), numeric::describe(p));
    fmt::print("stream     [{}{}]  (last position)\n", fmt::join(rec["stream"].get<std::vector<std::string>>(), ", "),
               spec.d_model > o.show_state ? ", …" : "");
    fmt::print("score      {}  (<c, x_n> + c0)\n", rec["score"].get<std::string>());
    fmt::print("verdict    {}\n", rec["verdict"].get<std::string>());
    if (!events.empty()) fmt::print("events     {}\n", fmt::join(events, ", "));
    fmt::print("time       {:.6f} s\n", rec["seconds"].get<double>());
    return;
  }
  Records r({"model", "layers", "d_model", "n", "precision", "scalar", "score", "verdict", "events", "seconds"});
  r.add(rec);
  r.print(o.fmt.format());
}

void run_scan(const ScanOpts& o) {
  const int sources = (!o.tokens.empty()) + (!o.tokens_file.empty()) + (!o.inputs_file.empty()) + (o.random_given ? 1 : 0);
  if (sources != 1)
    throw CliError(kBadInput, "give exactly one input: --tokens, --tokens-file, --random N or --inputs-file");
  check_scan_options(o);
  if (o.model.starts_with("transformer:")) return run_transformer_file(o, o.model.substr(12));

  models::LrnnSpec spec;
  try {
    spec = models::resolve_model(o.model);
  } catch (const models::ModelError& e) {
    throw CliError(kBadInput, e.what());
  }

  // --device cuda: the arguments first, then the device, before any work
  const bool cuda = o.device == "cuda";
  if (!cuda && !o.algo.empty()) throw CliError(kBadInput, "--algo chooses the scan of --device cuda; on the CPU use --parallel");
  if (cuda && o.parallel)
    throw CliError(kBadInput, "--parallel is the CPU's scan; with --device cuda choose --algo layered, cub or sequential");
  ScanCudaRun dev;
  if (cuda) {
    dev.algo = parse_scan_algo(o.algo.empty() ? "layered" : o.algo);
    try {
      dev.precision = numeric::Precision::parse(o.precision);
    } catch (const numeric::PrecisionError& e) {
      throw CliError(kBadInput, fmt::format("--precision: {}", e.what()));
    }
    check_scan_cuda(spec, dev.precision, dev.algo);
  }

  std::vector<std::uint32_t> tokens;
  std::vector<std::vector<numeric::Exact>> inputs;
  const bool real_inputs = !o.inputs_file.empty();
  try {
    if (!o.tokens.empty()) tokens = models::parse_tokens(spec, o.tokens, "--tokens");
    if (!o.tokens_file.empty()) tokens = models::parse_tokens(spec, read_text(o.tokens_file), o.tokens_file);
  } catch (const models::ModelError& e) {
    throw CliError(kBadInput, e.what());
  }
  if (real_inputs) {
    if (spec.input_dim == 0)
      throw CliError(kBadInput, fmt::format("model '{}' takes tokens, not real-valued inputs (no input_dim)", spec.name));
    inputs = read_inputs(o.inputs_file, spec.input_dim);
  }
  if (o.random_given && spec.alphabet.empty())
    throw CliError(kBadInput, fmt::format("model '{}' has no token alphabet", spec.name));
  {
    const std::size_t steps = o.random_given ? o.random : real_inputs ? inputs.size() : tokens.size();
    limits::check_memory(lrnn_scan_bytes(spec, o, steps, real_inputs, cuda),
                         fmt::format("the scan of {} (model d = {}{})", input_option(o), spec.d,
                                     o.parallel && o.block > 0 ? fmt::format(", --block {}", o.block) : ""));
  }
  if (cuda) require_cuda();
  if (o.random_given) {
    std::mt19937_64 rng(o.seed);
    std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(spec.alphabet.size() - 1));
    tokens.resize(o.random);
    for (auto& t : tokens) t = pick(rng);
  }
  const std::size_t n = real_inputs ? inputs.size() : tokens.size();
  if (cuda) {
    dev.spec = &spec;
    dev.tokens = &tokens;
    dev.inputs = &inputs;
    dev.real_inputs = real_inputs;
    dev.show_state = o.show_state;
    dev.format = o.fmt.format();
    run_scan_cuda(dev);
    return;
  }

  numeric::Precision p;
  try {
    p = numeric::Precision::parse(o.precision).resolve(std::max<std::size_t>(n, 2));
  } catch (const numeric::PrecisionError& e) {
    throw CliError(kBadInput, fmt::format("--precision: {}", e.what()));
  }

  kernels::ScanOptions so;
  so.threads = o.threads;
  so.block = o.block;
  numeric::Status status;
  nlohmann::ordered_json rec;
  double secs = 0;
  int threads_used = 1;
  numeric::dispatch(
      p,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        const auto t0 = std::chrono::steady_clock::now();
        auto run = real_inputs ? models::run_lrnn_inputs<T>(spec, inputs, o.parallel, so)
                               : models::run_lrnn<T>(spec, tokens, o.parallel, so);
        secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (o.parallel) threads_used = scan_threads_used<T>(spec, n, so);
        const std::string verdict = spec.has_readout() ? models::to_string(models::verdict_of(run.accept)) : "none";
        std::vector<std::string> state;
        for (std::size_t i = 0; i < run.h.size() && i < o.show_state; ++i) state.push_back(numeric::to_string(run.h[i]));
        rec = {{"model", spec.name},
               {"structure", models::to_string(spec.structure)},
               {"d", spec.d},
               {"n", n},
               {"precision", p.to_string()},
               {"scalar", numeric::scalar_name<T>()},
               {"mode", o.parallel ? "parallel" : "sequential"},
               {"threads", threads_used},  // used: at most one per block, not the requested count
               {"score", numeric::to_string(run.score)},
               {"verdict", verdict},
               {"state", state},
               {"state_truncated", run.h.size() > o.show_state},
               {"seconds", secs}};
      },
      &status);
  const std::vector<std::string> events = status.events();
  rec["events"] = events;

  if (o.fmt.format() == Format::Table) {
    fmt::print("model      {} ({}, d = {})\n", spec.name, rec["structure"].get<std::string>(), spec.d);
    fmt::print("input      n = {}\n", n);
    fmt::print("precision  {} ({})\n", p.to_string(), numeric::describe(p));
    fmt::print("mode       {}{}\n", rec["mode"].get<std::string>(),
               o.parallel ? fmt::format(", {} thread{}", threads_used, threads_used == 1 ? "" : "s") : "");
    fmt::print("state      [{}{}]\n", fmt::join(rec["state"].get<std::vector<std::string>>(), ", "),
               rec["state_truncated"].get<bool>() ? fmt::format(", … ({} entries)", spec.d) : "");
    fmt::print("score      {}  (<c, h> + c0)\n", rec["score"].get<std::string>());
    fmt::print("verdict    {}\n", rec["verdict"].get<std::string>());
    if (!events.empty()) fmt::print("events     {}\n", fmt::join(events, ", "));
    fmt::print("time       {:.6f} s\n", secs);
    return;
  }
  Records r({"model", "structure", "d", "n", "precision", "scalar", "mode", "threads", "score", "verdict", "events", "seconds"});
  r.add(rec);
  r.print(o.fmt.format());
}

}  // namespace

void add_scan(CLI::App& app) {
  auto* cmd = app.add_subcommand("scan", "Run an LRNN on one input sequence: final state and acceptance");
  auto o = std::make_shared<ScanOpts>();
  o->fmt.add_to(*cmd);
  cmd->add_option("--model,-m", o->model, "Named model (see `parallax models`), a JSON model file (docs/lrnn-json.md), or transformer:FILE (docs/transformer-json.md; evaluated directly, no scan)")
      ->required();
  cmd->add_option("--tokens,-t", o->tokens, "Token sequence, names separated by spaces or commas (\"abba\" when names are single letters)");
  cmd->add_option("--tokens-file", o->tokens_file, "File holding the token sequence");
  cmd->add_option("--inputs-file", o->inputs_file, "Real-valued inputs: one time step per line (models with input_dim)");
  cmd->add_option("--random", o->random, "Random token sequence of this length (uniform over the alphabet)")
      ->each([o](const std::string&) { o->random_given = true; });
  cmd->add_option("--seed", o->seed, "Seed for --random")->capture_default_str();
  cmd->add_option("--precision,-p", o->precision, "Arithmetic (see `parallax precisions`)")->capture_default_str();
  cmd->add_flag("--parallel", o->parallel, "Evaluate by a parallel scan of affine-map compositions");
  cmd->add_option("--threads", o->threads, "Threads for --parallel (0 = all; at most one per block is used)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--block", o->block, "Scan block size in elements (0 = automatic; at most the input's length)");
  cmd->add_option("--show-state", o->show_state, "Print at most this many state entries")->capture_default_str();
  add_device_option(*cmd, o->device);
  cmd->add_option("--algo", o->algo,
                  "--device cuda: the device's scan, layered (default), cub (diagonal models) or sequential; the CPU's "
                  "sequential run at the same precision is always compared")
      ->check(CLI::IsMember({"layered", "cub", "sequential"}));
  cmd->callback([o] { run_scan(*o); });
}

}  // namespace parallax::cli
