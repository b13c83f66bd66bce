#pragma once
// The circuit experiment: circuits built from model specs over n steps and
// measured (size, depth, fan-in), for one length or a sweep of lengths.
//
//   Options (validate() names the bad option) → run(options, hooks)
//   → CircuitRecord rows (experiment/records.hpp)
//
// `parallax circuit` is the command-line adapter (and writes one circuit out
// with build); `parallax run` builds the Options of a [[circuit]] suite
// entry with options_from_json.
//
// Model specs:
//   lrnn:diag:d=K, lrnn:complex:d=K, lrnn:pd:d=K, lrnn:dplr:d=K, lrnn:dense:d=K
//       a random token LRNN of that structure (two tokens, fixed seed)
//   ssm:diag:d=K             alias of lrnn:diag:d=K: a diagonal SSM whose gates depend on the input token
//   lrnn:NAME or lrnn:FILE   a named LRNN (parity, s5-householder, …) or a JSON model file
//   transformer:FILE         a transformer JSON file (docs/transformer-json.md)
//   transformer:random[:attention=hard|average|softmax][:layers=L][:heads=H][:d=K][:ff=K]
//                    [:mask=causal|bidirectional][:norm=0|1]
//                            a random transformer without positional table (any n)
//   rnn:relu:d=K             a random ReLU RNN cell over scalar inputs
//   dfa:NAME                 a built-in automaton as a Boolean recognizer circuit
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>
#include <stdexcept>
#include <string>
#include <string_view>

#include "circuits/circuit.hpp"
#include "circuits/lrnn_circuit.hpp"
#include "circuits/metrics.hpp"
#include "circuits/prefix.hpp"
#include <nlohmann/json.hpp>
#include "experiment/options.hpp"
#include "experiment/records.hpp"

namespace parallax::experiment::circuit {

using circuits::Circuit;
using circuits::FanIn;
using circuits::Network;

struct SpecError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Request {
  std::string spec;
  Network network = Network::BrentKung;
  FanIn fanin = FanIn::Bounded;
  std::uint64_t seed = 1;
};

/// Builds the circuit for n steps; throws SpecError naming the spec for bad
/// specs and impossible combinations.
Circuit build(const Request& req, std::size_t n);

/// The accepted spec forms, for help and error messages.
std::string spec_forms();

/// An estimate of the circuit build makes for n steps, before it is
/// built: its gates, operand edges and constants, and the memory that
/// building and measuring it (and writing it as text) takes at its peak.
struct Size {
  std::uint64_t gates = 0, edges = 0, constants = 0;
  std::uint64_t bytes = 0;
};

/// Estimates the size for n steps from the circuits of two small lengths
/// (8 and 16 steps), scaled as the construction grows: linearly for rnn:,
/// quadratically for transformers and unbounded fan-in (an iterated sum over
/// every earlier step), with the steps of the prefix network otherwise (n log n
/// for sklansky, kogge-stone and ladner-fischer). Errs on the large side.
/// `text`: the circuit is also written out (--format json, dot, blif, aiger).
/// Throws SpecError as build does; n ≤ 16 builds nothing and returns
/// zeros (the circuit itself is that small).
Size estimate(const Request& req, std::size_t n, bool text);

/// An upper bound on the operator nodes of the prefix network over n inputs
/// (circuits::prefix_stats counts them exactly, in O(n log n) time and O(n) memory).
std::uint64_t prefix_steps_bound(Network net, std::uint64_t n);

/// The options of `parallax circuit` that determine its circuits.
struct Options {
  std::string model;  ///< a spec (spec_forms())
  std::string network = "brent-kung";
  std::string fanin = "bounded";
  std::uint64_t seed = 1;
  std::size_t n = 0;  ///< one circuit of n steps, or
  std::string sweep;  ///< A..B: n = A, 2A, 4A, … up to B
  bool text = false;  ///< the circuit is also written out (its size estimate counts the text)

  /// The request build takes: OptionError naming "network" or
  /// "fanin" when they are not a prefix network or bounded / unbounded.
  Request request(const OptionNames& names = {}) const;
  /// The lengths: n, or those of the sweep (A and B are lengths as
  /// experiment/lengths.hpp reads them, "1e6" a million); OptionError naming
  /// "n" or "sweep" for neither or both, a malformed sweep or an n above limits::kMaxLength.
  std::vector<std::size_t> lengths(const OptionNames& names = {}) const;
  /// request(), the spec built at n = 2 (OptionError naming "model" with the
  /// SpecError's message), lengths(), and the largest circuit estimated from
  /// two small ones (estimate) within the gate, edge and memory
  /// limits. What `parallax circuit` and a suite's [[circuit]] entry both
  /// check before any work.
  void validate(const OptionNames& names = {}) const;
};

/// The options of a suite's [[circuit]] entry (its keys model, network, fanin, seed, n, sweep).
Options options_from_json(const nlohmann::ordered_json& keys);

/// The configuration a stored circuit run is keyed by: model, network, fanin,
/// seed, and the hash of a model file's text (docs/store.md).
nlohmann::json config(const Options& o);

/// Hooks of a circuit sweep (both optional): the stored record of n (a
/// resumed sweep reads it instead of building the circuit), and each new
/// record, with its configuration fields set, as it is measured.
struct Hooks {
  std::function<std::optional<CircuitRecord>(std::size_t n)> stored;
  std::function<void(const CircuitRecord& record)> on_record;
  /// Called before each circuit is built, from the calling thread; it may
  /// throw to stop the sweep (e.g. on an interrupt). Records already handed
  /// to on_record stay written.
  std::function<void()> poll;
};

/// Hooks over a run of a store: stored records checked field by field
/// (StoredRecordError naming their place), new ones written as measured.
Hooks store_hooks(const RunResults& run);

/// The sweep of `parallax circuit` (options validated): per length, the
/// stored record or the circuit built and measured. The records come back in
/// length order, as rows: their configuration fields empty.
std::vector<CircuitRecord> run(const Options& o, const Hooks& hooks = {});

}  // namespace parallax::experiment::circuit
