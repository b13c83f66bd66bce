#pragma once
// EmuFloat: binary floating point with an M-bit significand (hidden bit
// included) and an E-bit exponent field, IEEE 754 style: round to nearest,
// ties to even, gradual underflow (subnormals), overflow to ±inf. M ≤ 53 and
// 2 ≤ E ≤ 11, so every value is a double; the format (M, E) comes from the
// thread's Context (context.hpp), which `dispatch` installs.
//
// Every operation returns the correctly rounded result of the exact
// operation. Two code paths, one result:
//  * M ≤ 25 and E ≤ 10: the double operation is exact or rounds innocuously
//    (53 ≥ 2M + 2 and the double range covers the format with room to spare),
//    so the double result is rounded once more to the format;
//  * otherwise, and for fma: MPFR at precision M with the format's exponent
//    range and mpfr_subnormalize.
// tests/test_emu_float.cpp checks both paths against each other, against native
// float/double (float:24:8, float:53:11) and against the exact rational result.
#include <cmath>

#include "numeric/context.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::numeric {

struct EmuFloat {
  double v = 0.0;  ///< the value; always representable in the current format

  EmuFloat() = default;
  /// Wraps a double that is already in the format (no rounding).
  static EmuFloat raw(double x) noexcept {
    EmuFloat r;
    r.v = x;
    return r;
  }
  friend bool operator==(const EmuFloat& a, const EmuFloat& b) { return a.v == b.v; }
};

namespace emu {
enum class Op { Add, Sub, Mul, Div };
/// x rounded to the format (M, E), recording overflow / underflow. x is the
/// double result of an operation whose double rounding is innocuous.
double round_double(double x, int M, int E) noexcept;
/// a op b correctly rounded through MPFR.
double exact_op(Op op, double a, double b, int M, int E) noexcept;
/// a·b + c with one rounding, through MPFR.
double exact_fma(double a, double b, double c, int M, int E) noexcept;

inline bool fast_path(const Context& c) noexcept { return c.float_mantissa <= 25 && c.float_exponent <= 10; }

inline double binary(Op op, double a, double b) noexcept {
  const Context& c = current_context();
  if (!fast_path(c)) return exact_op(op, a, b, c.float_mantissa, c.float_exponent);
  double r;
  switch (op) {
    case Op::Add: r = a + b; break;
    case Op::Sub: r = a - b; break;
    case Op::Mul: r = a * b; break;
    default: r = a / b; break;
  }
  if (std::isnan(r) && !std::isnan(a) && !std::isnan(b)) {
    note_invalid();
  } else if (op == Op::Div && b == 0 && !std::isnan(a)) {
    note_invalid();  // division by zero: ±inf, never "overflow"
    return r;
  }
  return round_double(r, c.float_mantissa, c.float_exponent);
}
}  // namespace emu

inline EmuFloat operator+(EmuFloat a, EmuFloat b) { return EmuFloat::raw(emu::binary(emu::Op::Add, a.v, b.v)); }
inline EmuFloat operator-(EmuFloat a, EmuFloat b) { return EmuFloat::raw(emu::binary(emu::Op::Sub, a.v, b.v)); }
inline EmuFloat operator*(EmuFloat a, EmuFloat b) { return EmuFloat::raw(emu::binary(emu::Op::Mul, a.v, b.v)); }
inline EmuFloat operator/(EmuFloat a, EmuFloat b) { return EmuFloat::raw(emu::binary(emu::Op::Div, a.v, b.v)); }
inline EmuFloat operator-(EmuFloat a) { return EmuFloat::raw(-a.v); }
inline EmuFloat& operator+=(EmuFloat& a, EmuFloat b) { return a = a + b; }
inline EmuFloat& operator*=(EmuFloat& a, EmuFloat b) { return a = a * b; }

/// a·b + c rounded once.
inline EmuFloat fma(EmuFloat a, EmuFloat b, EmuFloat c) {
  const Context& ctx = current_context();
  return EmuFloat::raw(emu::exact_fma(a.v, b.v, c.v, ctx.float_mantissa, ctx.float_exponent));
}

template <>
struct ScalarTraits<EmuFloat> {
  static constexpr const char* name = "emufloat";
  static constexpr Arithmetic arithmetic = Arithmetic::Float;
  static EmuFloat from_exact(const Exact& q);
  static EmuFloat from_int(long long v) { return from_exact(Exact(v)); }
  /// v rounded once to the format (a double needs no trip through a rational).
  static EmuFloat from_double(double v) {
    const Context& c = current_context();
    return EmuFloat::raw(emu::round_double(v, c.float_mantissa, c.float_exponent));
  }
  static double to_double(EmuFloat x) { return x.v; }
  static Sign sign(EmuFloat x) { return ScalarTraits<double>::sign(x.v); }
  static std::string to_string(EmuFloat x) { return ScalarTraits<double>::to_string(x.v); }
  static bool is_finite(EmuFloat x) { return std::isfinite(x.v); }
};

}  // namespace parallax::numeric
