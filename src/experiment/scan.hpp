#pragma once
// The scan experiment behind `parallax scan`: one model on one input sequence
// at one precision, giving the final state, the readout score and the verdict.
//   an LRNN      sequentially or by the CPU's parallel scan (models::run_lrnn)
//   an LRNN      on the CUDA device (models/lrnn_device.hpp), with the CPU's
//                sequential run at the same precision for comparison
//   transformer: a transformer file, evaluated directly (attention is not a
//                recurrence: no scan)
// The input is token names (text or a file), a random token sequence, or
// real-valued inputs read exactly from a file (one step per line).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/cuda/api.hpp"
#include "numeric/precision.hpp"

namespace parallax::experiment::scan {

/// Bad options or bad input (the CLI's exit 2). `field` is the Options field
/// at fault ("random", "precision", "tokens_file", …); the message names the
/// option as the CLI spells it (--tokens-file), or a file's line and field.
struct Error : std::invalid_argument {
  std::string field;
  Error(std::string field_, const std::string& what) : std::invalid_argument(what), field(std::move(field_)) {}
};

enum class Device { Cpu, Cuda };

struct Options {
  std::string model;        ///< a named model (models::named_models), an LRNN JSON file, or transformer:FILE
  std::string tokens;       ///< the input: token names ("a b b a", or "abba" when names are single letters) …
  std::string tokens_file;  ///< … or a file holding them …
  std::string inputs_file;  ///< … or real-valued inputs, one step per line (models with input_dim) …
  std::optional<std::size_t> random;  ///< … or a random token sequence of this length, uniform over the alphabet
  std::uint64_t seed = 1;             ///< of `random`
  numeric::Precision precision = numeric::Precision::parse("fp64");  ///< log:C, poly:K: resolved at the input's length
  bool parallel = false;        ///< the CPU's parallel scan, else the sequential recurrence
  int threads = 0;              ///< parallel: threads (0: OpenMP's default; at most one per block is used)
  std::size_t block = 0;        ///< parallel: scan block in elements (0: automatic)
  std::size_t show_state = 16;  ///< state entries kept in the record
  Device device = Device::Cpu;
  std::optional<kernels::cuda::ScanAlgo> algo;  ///< Device::Cuda only; layered when not given

  /// Checks the options alone, before any file is read or anything
  /// allocated: exactly one input, sizes within numeric/limits.hpp, and which
  /// of parallel, device and algo go together (and with a transformer).
  /// Throws Error naming the field.
  void validate() const;
};

/// What ran: an LRNN on the CPU, an LRNN on the CUDA device, or a transformer.
enum class Kind { Lrnn, Device, Transformer };

/// The result, one JSON record (`parallax scan --json`); each kind has its own fields.
struct Record {
  Kind kind = Kind::Lrnn;
  std::string model;       ///< the model's name
  std::string structure;   ///< LRNN structure (models::to_string); empty for a transformer
  std::size_t d = 0;       ///< LRNN state size; a transformer's d_model
  std::size_t layers = 0;  ///< transformer
  std::size_t n = 0;       ///< input length
  std::string precision;   ///< the format run (log:C and poly:K resolved)
  std::string scalar;      ///< numeric::scalar_name, or on the device its storage and arithmetic
  bool parallel = false;   ///< Lrnn: by the parallel scan ("mode")
  int threads = 1;         ///< Lrnn: threads used (at most one per block)
  std::string score;       ///< ⟨c, h_n⟩ + c0
  std::string verdict;     ///< accept, reject, undecided (intervals), none (no readout)
  std::vector<std::string> state;   ///< the first show_state entries of h_n; a transformer's last position ("stream")
  bool state_truncated = false;     ///< the state has more entries than `state`
  std::vector<std::string> events;  ///< CPU runs: saturated (LRNNs), overflow, underflow, invalid
  double seconds = 0;               ///< CPU runs: the evaluation
  std::string algo, gpu;            ///< Device: the scan and the GPU
  double kernel_ms = 0, total_ms = 0;  ///< Device: the kernels, and the call with its transfers
  double cpu_max_abs_diff = 0;      ///< Device: final state against the CPU's sequential run (inf: JSON null)
  double cpu_seconds = 0;           ///< Device: that CPU run
  // For the human table only, not in the JSON record:
  std::string precision_about;  ///< numeric::describe of the format (Device: the scalar)
  bool bos_prepended = false;   ///< transformer: its bos token was prepended to the input
};

/// The JSON record, fields in the order `parallax scan --json` prints them.
nlohmann::ordered_json to_json(const Record& r);
/// A record read back (the kind from its fields: "layers" for a transformer,
/// "device" for the device); the table-only fields stay empty. Throws
/// experiment::RecordFieldError naming a missing or malformed field.
Record from_json(const nlohmann::json& j);

/// Runs the experiment. Throws Error for bad options or input,
/// limits::LimitError when the run would exceed the memory limit,
/// models::TransformerUndecided when interval attention cannot decide, and
/// kernels::cuda::Unavailable / CudaError on the device.
Record run(const Options& o);

}  // namespace parallax::experiment::scan
