#pragma once
// ScalarTraits for the native and exact types, and the free functions that
// algorithms call. Emulated types add their specialisations in their own
// headers (emu_float.hpp, big_float.hpp, fixed.hpp, interval.hpp).
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "numeric/context.hpp"
#include "numeric/scalar.hpp"

namespace parallax::numeric {

// ---- free functions: the only scalar API generic code uses -----------------

/// q rounded to nearest (ties to even) in T under the current context.
template <class T>
T from_exact(const Exact& q) { return ScalarTraits<T>::from_exact(q); }
/// v rounded to nearest (ties to even) in T under the current context.
template <class T>
T from_double(double v) { return ScalarTraits<T>::from_double(v); }
template <class T>
T from_int(long long v) { return ScalarTraits<T>::from_int(v); }
template <class T>
T zero() { return ScalarTraits<T>::from_int(0); }
template <class T>
T one() { return ScalarTraits<T>::from_int(1); }
template <class T>
double to_double(const T& x) { return ScalarTraits<T>::to_double(x); }
template <class T>
Sign sign(const T& x) { return ScalarTraits<T>::sign(x); }
template <class T>
std::string to_string(const T& x) { return ScalarTraits<T>::to_string(x); }
template <class T>
constexpr const char* scalar_name() { return ScalarTraits<T>::name; }
/// Whether x is a number, not ±∞ or NaN (an interval: both of its ends);
/// fixed-point and exact values always are.
template <class T>
bool is_finite(const T& x) { return ScalarTraits<T>::is_finite(x); }

// ---- capabilities: all of them follow from ScalarTraits<T>::arithmetic ------

/// Every operation is exact (rationals, integers).
template <class T>
inline constexpr bool is_exact_v = ScalarTraits<T>::arithmetic == Arithmetic::Exact;
/// exp, log and tanh (numeric/functions.hpp): the floating-point types.
template <class T>
inline constexpr bool has_elementary_v = ScalarTraits<T>::arithmetic == Arithmetic::Float;
/// exp and √ (numeric/exp_sqrt.hpp): the floating-point types and intervals.
template <class T>
inline constexpr bool has_exp_sqrt_v = has_elementary_v<T> || ScalarTraits<T>::arithmetic == Arithmetic::Interval;
/// Values are enclosures (intervals): a sign or a comparison may be Unknown,
/// so a maximum may be a set of candidates, and an expression that reads one
/// value twice (x·x) encloses more than its function does, so ScalarTraits
/// states square and relu.
template <class T>
inline constexpr bool is_enclosure_v = ScalarTraits<T>::arithmetic == Arithmetic::Interval;
/// The hardware's own floating point (double, float): its operations raise
/// no Status flags (see note_non_finite).
template <class T>
inline constexpr bool is_native_float_v = std::is_floating_point_v<T>;

// ---- operations that follow from the capabilities ---------------------------

/// x²: x·x as T rounds it; for enclosures the enclosure of {v² : v ∈ x},
/// whose lower end is never negative (x·x's is when x straddles 0).
template <class T>
T square(const T& x) {
  if constexpr (is_enclosure_v<T>) {
    return ScalarTraits<T>::square(x);
  } else {
    return x * x;
  }
}

/// max(x, 0): x when its sign is Positive, else 0 (NaN included); for
/// enclosures the hull [max(lo, 0), max(hi, 0)], so a value straddling 0
/// stays enclosed.
template <class T>
T relu(const T& x) {
  if constexpr (is_enclosure_v<T>) {
    return ScalarTraits<T>::relu(x);
  } else {
    return ScalarTraits<T>::sign(x) == Sign::Positive ? x : zero<T>();
  }
}

/// Native floats raise no Status flags, so a non-finite result is where
/// their exponent range ran out (∞: overflow) or ∞ − ∞ met (NaN: invalid):
/// notes it in the current context's status. The emulated types note these
/// as they arise, and the others have no such values, so for them it does
/// nothing.
template <class T>
void note_non_finite(const T& x) {
  if constexpr (is_native_float_v<T>) {
    if (std::isnan(x)) note_invalid();
    else if (!is_finite(x)) note_overflow();
  }
}

// ---- specialisations for native and exact types -----------------------------

/// Round q to the binary format with `mant` significand bits and `exp`
/// exponent bits (IEEE-style, subnormals), returned as a double. Defined in
/// emu_float.cpp; the single rounding routine behind every float conversion.
double round_exact_to_binary(const Exact& q, int mant, int exp);

template <>
struct ScalarTraits<double> {
  static constexpr const char* name = "fp64";
  static constexpr Arithmetic arithmetic = Arithmetic::Float;
  static double from_exact(const Exact& q) { return round_exact_to_binary(q, 53, 11); }
  static double from_int(long long v) { return static_cast<double>(v); }
  static double from_double(double v) { return v; }
  static double to_double(double x) { return x; }
  static Sign sign(double x) { return x > 0 ? Sign::Positive : x < 0 ? Sign::Negative : x == 0 ? Sign::Zero : Sign::Unknown; }
  static std::string to_string(double x);
  static bool is_finite(double x) { return std::isfinite(x); }
};

template <>
struct ScalarTraits<float> {
  static constexpr const char* name = "fp32";
  static constexpr Arithmetic arithmetic = Arithmetic::Float;
  static float from_exact(const Exact& q) { return static_cast<float>(round_exact_to_binary(q, 24, 8)); }
  static float from_int(long long v) { return static_cast<float>(v); }
  static float from_double(double v) { return static_cast<float>(v); }
  static double to_double(float x) { return x; }
  static Sign sign(float x) { return x > 0 ? Sign::Positive : x < 0 ? Sign::Negative : x == 0 ? Sign::Zero : Sign::Unknown; }
  static std::string to_string(float x);
  static bool is_finite(float x) { return std::isfinite(x); }
};

template <>
struct ScalarTraits<Exact> {
  static constexpr const char* name = "exact";
  static constexpr Arithmetic arithmetic = Arithmetic::Exact;
  static Exact from_exact(const Exact& q) { return q; }
  static Exact from_int(long long v) { return Exact(v); }
  static Exact from_double(double v) { return Exact(v); }
  static double to_double(const Exact& x);  // correctly rounded
  static Sign sign(const Exact& x) { int s = x.sign(); return s > 0 ? Sign::Positive : s < 0 ? Sign::Negative : Sign::Zero; }
  static std::string to_string(const Exact& x) { return x.str(); }
  static bool is_finite(const Exact&) { return true; }
};

template <>
struct ScalarTraits<BigInt> {
  static constexpr const char* name = "bigint";
  static constexpr Arithmetic arithmetic = Arithmetic::Exact;
  static BigInt from_exact(const Exact& q);  // throws std::domain_error unless q is an integer
  static BigInt from_int(long long v) { return BigInt(v); }
  static BigInt from_double(double v) { return from_exact(Exact(v)); }
  static double to_double(const BigInt& x) { return x.convert_to<double>(); }
  static Sign sign(const BigInt& x) { int s = x.sign(); return s > 0 ? Sign::Positive : s < 0 ? Sign::Negative : Sign::Zero; }
  static std::string to_string(const BigInt& x) { return x.str(); }
  static bool is_finite(const BigInt&) { return true; }
};

template <>
struct ScalarTraits<std::int64_t> {
  static constexpr const char* name = "int64";
  static constexpr Arithmetic arithmetic = Arithmetic::Exact;
  static std::int64_t from_exact(const Exact& q);  // throws std::domain_error unless q is an int64
  static std::int64_t from_int(long long v) { return v; }
  static std::int64_t from_double(double v) { return from_exact(Exact(v)); }
  static double to_double(std::int64_t x) { return static_cast<double>(x); }
  static Sign sign(std::int64_t x) { return x > 0 ? Sign::Positive : x < 0 ? Sign::Negative : Sign::Zero; }
  static std::string to_string(std::int64_t x) { return std::to_string(x); }
  static bool is_finite(std::int64_t) { return true; }
};

}  // namespace parallax::numeric
