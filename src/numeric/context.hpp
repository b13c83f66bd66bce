#pragma once
// The arithmetic context of the current thread: which emulated format the
// runtime-parameterised scalar types (EmuFloat, BigFloat, Fixed, Interval)
// round to, and where exceptional events (fixed-point saturation, float
// overflow / underflow) are recorded.
//
// Scalars carry no format of their own (an EmuFloat is a plain double), so the
// format lives here. `dispatch` installs it; parallel code that starts worker
// threads must re-install the caller's context in each worker:
//
//     auto ctx = numeric::current_context();
//     #pragma omp parallel
//     { numeric::ContextGuard guard(ctx); ... }
#include <atomic>
#include <string>
#include <vector>

namespace parallax::numeric {

/// Sticky event flags shared by every thread working under one context.
struct Status {
  std::atomic<bool> saturated{false};  ///< a fixed-point result was clamped
  std::atomic<bool> overflow{false};   ///< a float result overflowed to ±inf
  std::atomic<bool> underflow{false};  ///< a nonzero float result was tiny (subnormal or zero)
  std::atomic<bool> invalid{false};    ///< NaN produced, division by zero, or similar

  void clear() noexcept {
    saturated = false;
    overflow = false;
    underflow = false;
    invalid = false;
  }
  [[nodiscard]] bool any() const noexcept { return saturated || overflow || underflow || invalid; }
  /// The names of the raised flags, in the order saturated, overflow,
  /// underflow, invalid: what records and tables report as "events".
  [[nodiscard]] std::vector<std::string> events() const;
};

/// Format parameters; a field is meaningful only for the scalar types that use it.
struct Context {
  int float_mantissa = 53;  ///< EmuFloat / BigFloat significand bits, hidden bit included
  int float_exponent = 11;  ///< exponent field bits; 0 = unbounded (MPFR's range, no subnormals)
  int fixed_int = 32;       ///< Fixed: integer bits, sign bit included
  int fixed_frac = 16;      ///< Fixed: fraction bits
  int interval_bits = 53;   ///< Interval: bits of each endpoint
  Status* status = nullptr; ///< where events are recorded; nullptr = not recorded
};

/// The calling thread's context (a thread-local; defaults as above).
Context& current_context() noexcept;

/// Installs a context for the lifetime of the guard and restores the old one.
class ContextGuard {
 public:
  explicit ContextGuard(const Context& ctx) noexcept;
  ~ContextGuard();
  ContextGuard(const ContextGuard&) = delete;
  ContextGuard& operator=(const ContextGuard&) = delete;

 private:
  Context saved_;
};

/// Record an event in the current context's status, if any.
void note_saturated() noexcept;
void note_overflow() noexcept;
void note_underflow() noexcept;
void note_invalid() noexcept;

}  // namespace parallax::numeric
