// The scan experiment (scan.hpp).
#include "experiment/scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "experiment/records.hpp"  // RecordFields
#include "kernels/scan.hpp"
#include "models/json_positions.hpp"
#include "models/lrnn.hpp"
#include "models/model.hpp"
#include "models/lrnn_device.hpp"
#include "models/transformer.hpp"
#include "numeric/dispatch.hpp"
#include "numeric/limits.hpp"

namespace parallax::experiment::scan {
namespace {

/// Real-valued inputs: one time step per non-empty line, numbers separated by
/// spaces or commas, read exactly ("0.1" is 1/10). '#' starts a comment.
std::vector<std::vector<numeric::Exact>> read_inputs(const std::string& path, std::size_t dim) {
  std::ifstream in(path);
  if (!in) throw Error("inputs_file", fmt::format("{}: cannot open input file", path));
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
        throw Error("inputs_file", fmt::format("{}:{}: value {}: '{}' is not a number", path, lineno, row.size() + 1, w));
      }
    }
    if (row.empty()) continue;
    if (row.size() != dim)
      throw Error("inputs_file", fmt::format("{}:{}: expected {} values per line (the model's input_dim), got {}", path,
                                             lineno, dim, row.size()));
    xs.push_back(std::move(row));
  }
  return xs;
}

std::string read_text(const std::string& path) {
  auto text = models::read_text_file(path);
  if (!text) throw Error("tokens_file", fmt::format("{}: cannot open token file", path));
  return *text;
}

/// The option that gave the input sequence, for messages.
std::string input_option(const Options& o) {
  if (o.random) return fmt::format("--random {}", *o.random);
  if (!o.tokens_file.empty()) return "--tokens-file " + o.tokens_file;
  if (!o.inputs_file.empty()) return "--inputs-file " + o.inputs_file;
  return "--tokens";
}

/// Runs f, turning a ModelError (a bad file, an unknown token) into an Error of `field`.
template <class F>
decltype(auto) model_input(const char* field, F&& f) {
  try {
    return f();
  } catch (const models::ModelError& e) {
    throw Error(field, e.what());
  }
}

/// The precision at n steps; Error naming --precision when it cannot be resolved.
numeric::Precision resolved(const Options& o, std::size_t n) {
  try {
    return o.precision.resolve(std::max<std::size_t>(n, 2));
  } catch (const numeric::PrecisionError& e) {
    throw Error("precision", fmt::format("--precision: {}", e.what()));
  }
}

std::string verdict(bool has_readout, numeric::Sign accept) {
  return has_readout ? models::to_string(models::verdict_of(accept)) : "none";
}

/// Bytes an LRNN scan of n steps holds besides the model: the tokens (or, for
/// real inputs, one transition per step), the parallel scan's carries (one
/// per block, each a state) and, on the device, the per-step arrays.
std::uint64_t lrnn_scan_bytes(const models::LrnnSpec& spec, const Options& o, std::size_t n, bool real_inputs) {
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
  if (o.device == Device::Cuda)  // host copies of a, b and the states, as T
    bytes = add(bytes, mul(n, mul(add(entries, d), 16)));
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

/// `transformer:FILE`: the transformer evaluator on one token sequence.
Record run_transformer(const Options& o, const std::string& path) {
  models::TransformerSpec spec = model_input("model", [&] { return models::load_transformer(path); });
  std::vector<std::uint32_t> tokens;
  if (!o.tokens.empty())
    tokens = model_input("tokens", [&] { return models::parse_transformer_tokens(spec, o.tokens, "--tokens"); });
  if (!o.tokens_file.empty()) {
    const std::string text = read_text(o.tokens_file);
    tokens = model_input("tokens_file", [&] { return models::parse_transformer_tokens(spec, text, o.tokens_file); });
  }
  {  // the residual stream (and each layer's queries, keys and values): positions × d_model, before any work
    const std::size_t n = o.random ? *o.random : tokens.size();
    const std::uint64_t per_position = limits::add(256, limits::mul(limits::mul(spec.d_model, 8), 64));
    limits::check_memory(limits::mul(limits::add(n, 1), per_position),
                         fmt::format("the transformer run of {} (d_model = {})", input_option(o), spec.d_model));
  }
  if (o.random) {
    std::mt19937_64 rng(o.seed);
    std::vector<std::uint32_t> letters;  // the bos token is prepended by the model, never drawn
    for (std::uint32_t i = 0; i < spec.vocab.size(); ++i)
      if (spec.vocab[i] != spec.bos) letters.push_back(i);
    if (letters.empty()) throw Error("random", fmt::format("{}: no tokens to draw besides bos", path));
    tokens.resize(*o.random);
    for (auto& t : tokens) t = letters[rng() % letters.size()];
  }
  const numeric::Precision p = resolved(o, tokens.size());
  if (const auto why = models::transformer_precision_problem(spec, p); !why.empty()) throw Error("precision", why);
  numeric::Status status;
  Record r;
  r.kind = Kind::Transformer;
  try {
    numeric::dispatch(
        p,
        [&](auto tag) {
          using T = typename decltype(tag)::type;
          const auto t0 = std::chrono::steady_clock::now();
          const auto run = models::run_transformer<T>(spec, tokens);
          r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          r.verdict = verdict(spec.has_readout(), run.accept);
          for (std::size_t i = 0; i < run.stream.back().size() && i < o.show_state; ++i)
            r.state.push_back(numeric::to_string(run.stream.back()[i]));
          r.scalar = numeric::scalar_name<T>();
          r.score = numeric::to_string(run.score);
        },
        &status);
  } catch (const models::TransformerUndecided&) {
    throw;
  } catch (const models::ModelError& e) {
    throw Error("model", e.what());
  }
  r.model = spec.name;
  r.layers = spec.layers.size();
  r.d = spec.d_model;
  r.n = tokens.size();
  r.precision = p.to_string();
  r.state_truncated = spec.d_model > o.show_state;
  r.events = status.events();
  r.precision_about = numeric::describe(p);
  r.bos_prepended = !spec.bos.empty();
  return r;
}

/// The LRNN on the device, with the CPU's sequential run for comparison.
Record run_device(const Options& o, const models::LrnnSpec& spec, const std::vector<std::uint32_t>& tokens,
                  const std::vector<std::vector<numeric::Exact>>& inputs) {
  const auto algo = o.algo.value_or(kernels::cuda::ScanAlgo::Layered);
  const bool real_inputs = !o.inputs_file.empty();
  const auto run = model_input("model", [&] {
    return real_inputs ? models::run_lrnn_inputs_device(spec, inputs, o.precision, algo)
                       : models::run_lrnn_device(spec, tokens, o.precision, algo);
  });
  Record r;
  r.kind = Kind::Device;
  r.model = spec.name;
  r.structure = models::to_string(spec.structure);
  r.d = spec.d;
  r.n = real_inputs ? inputs.size() : tokens.size();
  r.precision = o.precision.to_string();
  r.scalar = run.scalar;
  r.algo = kernels::cuda::algo_name(algo);
  r.gpu = kernels::cuda::device_status();
  r.score = run.score;
  r.verdict = verdict(spec.has_readout(), run.accept);
  r.state.assign(run.h.begin(), run.h.begin() + std::min(run.h.size(), o.show_state));
  r.state_truncated = run.h.size() > o.show_state;
  r.kernel_ms = run.timing.kernel_ms;
  r.total_ms = run.timing.total_ms;
  r.cpu_max_abs_diff = run.cpu_max_abs_diff;
  r.cpu_seconds = run.cpu_seconds;
  r.precision_about = run.scalar;
  return r;
}

}  // namespace

void Options::validate() const {
  std::vector<const char*> given;  // the input fields given, in the order of the message
  if (!tokens.empty()) given.push_back("tokens");
  if (!tokens_file.empty()) given.push_back("tokens_file");
  if (random) given.push_back("random");
  if (!inputs_file.empty()) given.push_back("inputs_file");
  if (given.size() != 1)  // none: the first way to give one; several: the second given
    throw Error(given.empty() ? "tokens" : given[1],
                "give exactly one input: --tokens, --tokens-file, --random N or --inputs-file");
  // the sizes alone: --random and --block up to limits::kMaxLength (a block
  // longer than the input is the input), --threads up to limits::kMaxThreads
  const auto check = [](const char* field, std::uint64_t value, std::uint64_t limit, const char* option) {
    try {
      limits::check_count(value, limit, option);
    } catch (const limits::LimitError& e) {
      throw Error(field, e.what());
    }
  };
  if (random) check("random", *random, limits::kMaxLength, "--random");
  check("threads", static_cast<std::uint64_t>(threads), limits::kMaxThreads, "--threads");
  check("block", block, limits::kMaxLength, "--block");
  if (model.starts_with("transformer:")) {
    if (parallel || device != Device::Cpu || algo)
      throw Error(parallel ? "parallel" : device != Device::Cpu ? "device" : "algo",
                  "a transformer has no scan: --parallel, --device and --algo apply to LRNNs only");
    if (!inputs_file.empty()) throw Error("inputs_file", "a transformer reads tokens, not --inputs-file");
    return;
  }
  if (device == Device::Cpu && algo)
    throw Error("algo", "--algo chooses the scan of --device cuda; on the CPU use --parallel");
  if (device == Device::Cuda && parallel)
    throw Error("parallel",
                "--parallel is the CPU's scan; with --device cuda choose --algo layered, cub or sequential");
}

Record run(const Options& o) {
  o.validate();
  if (o.model.starts_with("transformer:")) return run_transformer(o, o.model.substr(12));

  const models::LrnnSpec spec = model_input("model", [&] { return models::resolve_model(o.model); });
  const bool cuda = o.device == Device::Cuda;
  if (cuda) {  // the arguments first, then the device, before any work
    try {
      models::check_device_scan(spec, o.precision, o.algo.value_or(kernels::cuda::ScanAlgo::Layered));
    } catch (const std::invalid_argument& e) {
      throw Error("device", e.what());
    }
  }

  std::vector<std::uint32_t> tokens;
  std::vector<std::vector<numeric::Exact>> inputs;
  const bool real_inputs = !o.inputs_file.empty();
  if (!o.tokens.empty())
    tokens = model_input("tokens", [&] { return models::parse_tokens(spec, o.tokens, "--tokens"); });
  if (!o.tokens_file.empty()) {
    const std::string text = read_text(o.tokens_file);
    tokens = model_input("tokens_file", [&] { return models::parse_tokens(spec, text, o.tokens_file); });
  }
  if (real_inputs) {
    if (spec.input_dim == 0)
      throw Error("inputs_file",
                  fmt::format("model '{}' takes tokens, not real-valued inputs (no input_dim)", spec.name));
    inputs = read_inputs(o.inputs_file, spec.input_dim);
  }
  if (o.random && spec.alphabet.empty())
    throw Error("random", fmt::format("model '{}' has no token alphabet", spec.name));
  {
    const std::size_t steps = o.random ? *o.random : real_inputs ? inputs.size() : tokens.size();
    limits::check_memory(lrnn_scan_bytes(spec, o, steps, real_inputs),
                         fmt::format("the scan of {} (model d = {}{})", input_option(o), spec.d,
                                     o.parallel && o.block > 0 ? fmt::format(", --block {}", o.block) : ""));
  }
  if (cuda) kernels::cuda::require_device();
  if (o.random) {
    std::mt19937_64 rng(o.seed);
    std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(spec.alphabet.size() - 1));
    tokens.resize(*o.random);
    for (auto& t : tokens) t = pick(rng);
  }
  if (cuda) return run_device(o, spec, tokens, inputs);

  const std::size_t n = real_inputs ? inputs.size() : tokens.size();
  const numeric::Precision p = resolved(o, n);
  kernels::ScanOptions so;
  so.threads = o.threads;
  so.block = o.block;
  numeric::Status status;
  Record r;
  numeric::dispatch(
      p,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        const auto t0 = std::chrono::steady_clock::now();
        auto run = real_inputs ? models::run_lrnn_inputs<T>(spec, inputs, o.parallel, so)
                               : models::run_lrnn<T>(spec, tokens, o.parallel, so);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (o.parallel) r.threads = scan_threads_used<T>(spec, n, so);
        r.scalar = numeric::scalar_name<T>();
        r.score = numeric::to_string(run.score);
        r.verdict = verdict(spec.has_readout(), run.accept);
        for (std::size_t i = 0; i < run.h.size() && i < o.show_state; ++i)
          r.state.push_back(numeric::to_string(run.h[i]));
        r.state_truncated = run.h.size() > o.show_state;
      },
      &status);
  r.kind = Kind::Lrnn;
  r.model = spec.name;
  r.structure = models::to_string(spec.structure);
  r.d = spec.d;
  r.n = n;
  r.precision = p.to_string();
  r.parallel = o.parallel;
  r.events = status.events();
  r.precision_about = numeric::describe(p);
  return r;
}

nlohmann::ordered_json to_json(const Record& r) {
  // each field written once; the kinds share the order of the fields they have
  const bool transformer = r.kind == Kind::Transformer, device = r.kind == Kind::Device;
  nlohmann::ordered_json j;
  j["model"] = r.model;
  if (transformer) {
    j["layers"] = r.layers;
    j["d_model"] = r.d;
  } else {
    j["structure"] = r.structure;
    j["d"] = r.d;
  }
  j["n"] = r.n;
  j["precision"] = r.precision;
  j["scalar"] = r.scalar;
  if (r.kind == Kind::Lrnn) {
    j["mode"] = r.parallel ? "parallel" : "sequential";
    j["threads"] = r.threads;  // used: at most one per block, not the requested count
  } else if (device) {
    j["device"] = "cuda";
    j["algo"] = r.algo;
    j["gpu"] = r.gpu;
  }
  j["score"] = r.score;
  j["verdict"] = r.verdict;
  j[transformer ? "stream" : "state"] = r.state;
  if (!transformer) j["state_truncated"] = r.state_truncated;
  if (device) {
    j["kernel_ms"] = r.kernel_ms;
    j["total_ms"] = r.total_ms;
    j["cpu_max_abs_diff"] = r.cpu_max_abs_diff;
    j["cpu_seconds"] = r.cpu_seconds;
  } else {
    j["seconds"] = r.seconds;
    j["events"] = r.events;
  }
  return j;
}

Record from_json(const nlohmann::json& j) {
  const RecordFields f(j);
  const auto strings = [&](const char* field) {
    const auto it = j.find(field);
    if (it == j.end() || !it->is_array()) f.fail(field, "an array of strings");
    std::vector<std::string> v;
    for (const auto& s : *it) {
      if (!s.is_string()) f.fail(field, "an array of strings");
      v.push_back(s.get<std::string>());
    }
    return v;
  };
  Record r;
  r.kind = f.has("layers") ? Kind::Transformer : f.has("device") ? Kind::Device : Kind::Lrnn;
  r.model = f.text("model");
  r.n = f.count("n");
  r.precision = f.text("precision");
  r.scalar = f.text("scalar");
  r.score = f.text("score");
  r.verdict = f.text("verdict");
  if (r.kind == Kind::Transformer) {
    r.layers = f.count("layers");
    r.d = f.count("d_model");
    r.state = strings("stream");
    r.state_truncated = r.state.size() < r.d;
  } else {
    r.structure = f.text("structure");
    r.d = f.count("d");
    r.state = strings("state");
    r.state_truncated = f.flag("state_truncated");
  }
  if (r.kind == Kind::Device) {
    if (f.text("device") != "cuda") f.fail("device", "\"cuda\"");
    r.algo = f.text("algo");
    r.gpu = f.text("gpu");
    r.kernel_ms = f.number("kernel_ms");
    r.total_ms = f.number("total_ms");
    r.cpu_max_abs_diff = f.number_or_null("cpu_max_abs_diff").value_or(std::numeric_limits<double>::infinity());
    r.cpu_seconds = f.number("cpu_seconds");
    return r;
  }
  if (r.kind == Kind::Lrnn) {
    const std::string mode = f.text("mode");
    if (mode != "parallel" && mode != "sequential") f.fail("mode", "\"parallel\" or \"sequential\"");
    r.parallel = mode == "parallel";
    const auto threads = f.count("threads");
    if (threads > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) f.fail("threads", "a thread count");
    r.threads = static_cast<int>(threads);
  }
  r.seconds = f.number("seconds");
  r.events = strings("events");
  return r;
}

}  // namespace parallax::experiment::scan
