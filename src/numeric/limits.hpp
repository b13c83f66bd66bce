#pragma once
// Every limit on the size of an input or of the work it asks for lives here,
// and docs/limits.md lists them in one table. Parsers and commands check
// against these before they allocate or start work, so that a typo ("1e9"
// for "1e3", a missing comma) is refused at once with the option or field
// named, instead of ending in std::bad_alloc, the OOM killer or hours of work.
//
// Memory: commands estimate what they will allocate from their options and
// compare it with memory_limit(): 3/4 of this machine's physical memory, or
// PARALLAX_MEMORY_LIMIT (bytes, with an optional K/M/G/T suffix) where a user
// legitimately wants more (or less).
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace parallax::limits {

/// An input or option beyond a limit below (the CLI exits 2).
struct LimitError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// --- text and JSON -----------------------------------------------------------
inline constexpr std::uint64_t kMaxTextFileBytes = std::uint64_t(1) << 28;  ///< one JSON / TOML / JSON Lines file
inline constexpr int kMaxJsonDepth = 64;               ///< nesting of arrays and objects in any JSON document
inline constexpr std::size_t kMaxExactDigits = 10000;  ///< decimal digits of an exact number, exponent included ("1e9999")

// --- sequences and sweeps ----------------------------------------------------
inline constexpr std::uint64_t kMaxLength = 1000000000;  ///< a sequence length n
inline constexpr std::size_t kMaxSweepPoints = 100000;   ///< lengths in one --lengths / --sweep
inline constexpr std::uint64_t kMaxTrials = 100000000;   ///< --trials, suite "trials"
/// Token evaluations (Σ n × trials × evaluations) of a sweep without a cost
/// model of its own (`demo`); hours of work above it.
inline constexpr std::uint64_t kMaxSweepTokens = 10000000000;
/// Estimated seconds of one reduce / recognize sweep run without --allow-long
/// (experiment::sweep_seconds: n × trials × evaluations at a small model's
/// speed per token in each arithmetic).
inline constexpr std::uint64_t kMaxSweepSeconds = 8 * 3600;
inline constexpr std::size_t kMaxSuiteUnits = 100000;  ///< child processes (entries × lengths) of one suite

// --- automata and models -----------------------------------------------------
inline constexpr std::uint64_t kMaxStates = std::uint64_t(1) << 24;        ///< states of an automaton file
inline constexpr std::uint64_t kMaxAlphabet = std::uint64_t(1) << 16;      ///< letters of an alphabet / vocabulary
inline constexpr std::uint64_t kMaxTableEntries = std::uint64_t(1) << 27;  ///< states × letters of a transition table
inline constexpr std::uint64_t kMaxModelDim = std::uint64_t(1) << 16;      ///< a model dimension (d, d_ff, hidden, …)
inline constexpr std::uint64_t kMaxParameters = std::uint64_t(1) << 26;    ///< numbers a model file implies
inline constexpr std::uint64_t kMaxLayers = 4096;                          ///< layers of a transformer

// --- execution ---------------------------------------------------------------
inline constexpr std::uint64_t kMaxThreads = 1024;  ///< --threads
inline constexpr std::size_t kMaxListItems = 64;  ///< items of a list option that each run a benchmark (bench --n-exact, --threads, --sigma2)
inline constexpr std::uint64_t kMaxBenchAutomata = 100000;  ///< bench monoid --random
inline constexpr std::uint64_t kMaxIterations = 10000000;  ///< solver iterations (solve --iters, --max-iter)
inline constexpr std::uint64_t kMaxRepeats = 1000;         ///< timing repeats of a benchmark (--repeats)
inline constexpr std::uint64_t kMaxBenchExactLength = std::uint64_t(1) << 20;  ///< bench scan --n-exact (left fold: quadratic time)
inline constexpr std::uint64_t kMaxCircuitGates = 0xFFFFFFFFull;  ///< gates, and operand edges, of one circuit (32-bit ids)

/// a * b, or UINT64_MAX when that overflows (sizes are compared with limits, never wrapped).
constexpr std::uint64_t mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::numeric_limits<std::uint64_t>::max();
  return a * b;
}
/// a + b, saturating like mul.
constexpr std::uint64_t add(std::uint64_t a, std::uint64_t b) {
  return b > std::numeric_limits<std::uint64_t>::max() - a ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

/// Throws LimitError "WHAT is VALUE, above the limit of MAX (docs/limits.md)".
void check_count(std::uint64_t value, std::uint64_t max, std::string_view what);

/// The memory budget in bytes: PARALLAX_MEMORY_LIMIT, else 3/4 of physical memory.
/// Throws LimitError when PARALLAX_MEMORY_LIMIT is malformed.
std::uint64_t memory_limit();

/// Throws LimitError when `bytes` (an estimate of what WHAT will allocate)
/// exceeds memory_limit(), naming WHAT, both sizes and how to lift the limit.
void check_memory(std::uint64_t bytes, std::string_view what);

/// "1.5 GiB", "512 B": a byte count for messages.
std::string bytes_text(std::uint64_t bytes);

}  // namespace parallax::limits
