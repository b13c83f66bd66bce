#pragma once
// Fixed: two's-complement fixed point with I integer bits (sign bit included)
// and F fraction bits, taken from the thread's Context (fixed_int,
// fixed_frac); I + F ≤ 62. A value is raw · 2^−F with raw an integer in
// [−2^(I+F−1), 2^(I+F−1) − 1], so fixed:4.0 holds −8 … 7 and fixed:2.6 holds
// −2 … 2 − 1/64.
//
// Results are rounded to nearest, ties to even (products, quotients,
// conversions), and saturate to the nearest end of the range on overflow;
// saturation is recorded in the context's Status (Status::saturated), which
// is how a caller learns that it happened. Division by zero records
// Status::invalid and saturates towards the dividend's sign (0/0 gives 0).
#include <cstdint>

#include "numeric/context.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::numeric {

struct Fixed {
  std::int64_t raw = 0;

  static Fixed from_raw(std::int64_t r) noexcept {
    Fixed f;
    f.raw = r;
    return f;
  }
  friend bool operator==(const Fixed& a, const Fixed& b) { return a.raw == b.raw; }
};

namespace fixed_point {
/// The raw value nearest to v in the current format, saturating (and noting it).
std::int64_t saturate(__int128 v) noexcept;
/// round(v / 2^s), ties to even, for s ≥ 0.
__int128 shift_round(__int128 v, int s) noexcept;
std::int64_t max_raw() noexcept;
std::int64_t min_raw() noexcept;
}  // namespace fixed_point

inline Fixed operator+(Fixed a, Fixed b) { return Fixed::from_raw(fixed_point::saturate(__int128(a.raw) + b.raw)); }
inline Fixed operator-(Fixed a, Fixed b) { return Fixed::from_raw(fixed_point::saturate(__int128(a.raw) - b.raw)); }
inline Fixed operator-(Fixed a) { return Fixed::from_raw(fixed_point::saturate(-__int128(a.raw))); }
inline Fixed operator*(Fixed a, Fixed b) {
  return Fixed::from_raw(
      fixed_point::saturate(fixed_point::shift_round(__int128(a.raw) * b.raw, current_context().fixed_frac)));
}
Fixed operator/(Fixed a, Fixed b);

template <>
struct ScalarTraits<Fixed> {
  static constexpr const char* name = "fixed";
  static constexpr Arithmetic arithmetic = Arithmetic::Fixed;
  static Fixed from_exact(const Exact& q);
  static Fixed from_int(long long v) { return from_exact(Exact(v)); }
  static Fixed from_double(double v) { return from_exact(Exact(v)); }
  static double to_double(Fixed x);
  static Sign sign(Fixed x) { return x.raw > 0 ? Sign::Positive : x.raw < 0 ? Sign::Negative : Sign::Zero; }
  static std::string to_string(Fixed x);
  static bool is_finite(Fixed) { return true; }  ///< saturates instead of overflowing
  /// The exact value raw · 2^−F.
  static Exact to_exact(Fixed x);
};

}  // namespace parallax::numeric
