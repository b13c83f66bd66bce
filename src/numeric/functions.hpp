#pragma once
// Elementary functions for the floating-point scalars: exp, log, tanh and the
// logistic sigmoid, the nonlinearities of recurrent cells (src/models/cell.hpp).
//
//   double, float  the C library's functions (faithful, not always correctly
//                  rounded; the same functions a native implementation calls)
//   EmuFloat       correctly rounded to the context's format through MPFR,
//                  with overflow / underflow recorded like + - * /
//   BigFloat       correctly rounded by MPFR at the context's precision
//
// sigmoid(x) = 1 / (1 + exp(−x)) is composed from exp, + and /, each rounded,
// so every type computes it by the same formula. Exact rationals, fixed point
// and intervals have no elementary functions here: an algorithm that needs
// them refuses those precisions (see solve::supports_precision); the types
// that have them are those with has_elementary_v (scalar_traits.hpp).
#include <cmath>

#include "numeric/big_float.hpp"
#include "numeric/emu_float.hpp"

namespace parallax::numeric {

enum class ElementaryFn { Exp, Log, Tanh };

namespace emu {
/// f(a) correctly rounded to the format (M, E), with events recorded.
double exact_fn(ElementaryFn f, double a, int M, int E) noexcept;
}  // namespace emu
/// f(a) correctly rounded at the context's precision.
BigFloat big_fn(ElementaryFn f, const BigFloat& a);

inline double exp(double x) { return std::exp(x); }
inline double log(double x) { return std::log(x); }
inline double tanh(double x) { return std::tanh(x); }
inline float exp(float x) { return std::exp(x); }
inline float log(float x) { return std::log(x); }
inline float tanh(float x) { return std::tanh(x); }

inline EmuFloat emu_fn(ElementaryFn f, EmuFloat x) {
  const Context& c = current_context();
  return EmuFloat::raw(emu::exact_fn(f, x.v, c.float_mantissa, c.float_exponent));
}
inline EmuFloat exp(EmuFloat x) { return emu_fn(ElementaryFn::Exp, x); }
inline EmuFloat log(EmuFloat x) { return emu_fn(ElementaryFn::Log, x); }
inline EmuFloat tanh(EmuFloat x) { return emu_fn(ElementaryFn::Tanh, x); }

inline BigFloat exp(const BigFloat& x) { return big_fn(ElementaryFn::Exp, x); }
inline BigFloat log(const BigFloat& x) { return big_fn(ElementaryFn::Log, x); }
inline BigFloat tanh(const BigFloat& x) { return big_fn(ElementaryFn::Tanh, x); }

/// The logistic function 1 / (1 + e^{−x}), one formula for every type.
template <class T>
T sigmoid(const T& x) {
  const T one = ScalarTraits<T>::from_int(1);
  return one / (one + exp(-x));
}

/// |x| from the sign (intervals are not elementary-function types).
template <class T>
T abs(const T& x) {
  return ScalarTraits<T>::sign(x) == Sign::Negative ? -x : x;
}

}  // namespace parallax::numeric
