#pragma once
// exp, √ and an exact comparison for every scalar type that has them, shared
// by the transformer evaluator (src/models/transformer.cpp) and circuit
// evaluation (circuits/evaluate.hpp), so that a compiled circuit rounds
// exactly as the model it was compiled from.
//
//   double, float, EmuFloat, BigFloat   exp from numeric/functions.hpp; √
//                                       correctly rounded (std::sqrt, MPFR)
//   Interval                            MPFI enclosures
//   Exact, Fixed                        neither: exp_of / sqrt_of throw
//                                       std::domain_error (check has_exp_sqrt_v,
//                                       scalar_traits.hpp, first)
#include <mpfi.h>
#include <mpfr.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "numeric/all.hpp"
#include "numeric/functions.hpp"
#include "numeric/mpfr_range.hpp"

namespace parallax::numeric {

/// e^x rounded as numeric::exp rounds it (floats), or an enclosure (intervals).
template <class T>
T exp_of(const T& x) {
  if constexpr (std::is_same_v<T, Interval>) {
    Interval r;
    mpfi_exp(r.get(), x.get());
    return r;
  } else if constexpr (has_elementary_v<T>) {
    return numeric::exp(x);
  } else {
    throw std::domain_error(std::string("exp: the scalar type ") + scalar_name<T>() + " has no exp");
  }
}

/// √x correctly rounded (floats), or an enclosure (intervals).
template <class T>
T sqrt_of(const T& x) {
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
    return std::sqrt(x);
  } else if constexpr (std::is_same_v<T, EmuFloat>) {
    const Context& c = current_context();
    mpfr_t a, r;
    mpfr_init2(a, 53);
    mpfr_init2(r, c.float_mantissa);
    mpfr_set_d(a, x.v, MPFR_RNDN);  // exact
    double out;
    {
      detail::FormatRange range(c.float_mantissa, c.float_exponent);
      int t = mpfr_sqrt(r, a, MPFR_RNDN);
      t = range.finish(r, t);
      if (mpfr_nan_p(r) && !std::isnan(x.v)) note_invalid();
      out = mpfr_get_d(r, MPFR_RNDN);
    }
    mpfr_clears(a, r, static_cast<mpfr_ptr>(nullptr));
    return EmuFloat::raw(out);
  } else if constexpr (std::is_same_v<T, BigFloat>) {
    const Context& c = current_context();
    BigFloat r;
    detail::FormatRange range(c.float_mantissa, c.float_exponent);
    int t = mpfr_sqrt(r.get(), x.get(), MPFR_RNDN);
    range.finish(r.get(), t);
    if (mpfr_nan_p(r.get()) && !mpfr_nan_p(x.get())) note_invalid();
    return r;
  } else if constexpr (std::is_same_v<T, Interval>) {
    Interval r;
    mpfi_sqrt(r.get(), x.get());
    return r;
  } else {
    throw std::domain_error(std::string("sqrt: the scalar type ") + scalar_name<T>() + " has no square root");
  }
}

/// The sign of a − b without rounding a − b (a rounded difference can
/// underflow to zero in a narrow format); intervals: the sign of the
/// enclosure of a − b, Unknown when they overlap without being one point.
template <class T>
Sign compare_values(const T& a, const T& b) {
  auto of = [](auto x, auto y) {
    return x > y ? Sign::Positive : x < y ? Sign::Negative : x == y ? Sign::Zero : Sign::Unknown;
  };
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
    return of(a, b);
  } else if constexpr (std::is_same_v<T, EmuFloat>) {
    return of(a.v, b.v);
  } else if constexpr (std::is_same_v<T, Fixed>) {
    return of(a.raw, b.raw);
  } else if constexpr (std::is_same_v<T, Exact>) {
    const int c = a.compare(b);
    return c > 0 ? Sign::Positive : c < 0 ? Sign::Negative : Sign::Zero;
  } else if constexpr (std::is_same_v<T, BigFloat>) {
    if (mpfr_unordered_p(a.get(), b.get())) return Sign::Unknown;
    const int c = mpfr_cmp(a.get(), b.get());
    return c > 0 ? Sign::Positive : c < 0 ? Sign::Negative : Sign::Zero;
  } else {
    return sign(a - b);
  }
}

}  // namespace parallax::numeric
