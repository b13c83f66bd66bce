#include "numeric/fixed.hpp"

#include <cmath>

namespace parallax::numeric {

namespace fixed_point {

std::int64_t max_raw() noexcept {
  const Context& c = current_context();
  return (std::int64_t(1) << (c.fixed_int + c.fixed_frac - 1)) - 1;
}
std::int64_t min_raw() noexcept { return -max_raw() - 1; }

std::int64_t saturate(__int128 v) noexcept {
  const std::int64_t hi = max_raw(), lo = -hi - 1;
  if (v > hi) {
    note_saturated();
    return hi;
  }
  if (v < lo) {
    note_saturated();
    return lo;
  }
  return static_cast<std::int64_t>(v);
}

__int128 shift_round(__int128 v, int s) noexcept {
  if (s == 0) return v;
  const __int128 q = v >> s;  // floor
  const __int128 rem = v - q * (__int128(1) << s);  // in [0, 2^s)
  const __int128 half = __int128(1) << (s - 1);
  if (rem > half || (rem == half && (q & 1))) return q + 1;
  return q;
}

}  // namespace fixed_point

Fixed operator/(Fixed a, Fixed b) {
  using namespace fixed_point;
  if (b.raw == 0) {
    note_invalid();
    if (a.raw == 0) return Fixed::from_raw(0);
    note_saturated();
    return Fixed::from_raw(a.raw > 0 ? max_raw() : min_raw());
  }
  // round((a · 2^F) / b), ties to even; |a · 2^F| < 2^124 fits in 128 bits.
  __int128 num = __int128(a.raw) * (__int128(1) << current_context().fixed_frac);
  __int128 den = b.raw;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  __int128 q = num / den, r = num % den;  // truncating
  if (r < 0) {  // make r ∈ [0, den): q = floor
    q -= 1;
    r += den;
  }
  if (2 * r > den || (2 * r == den && (q & 1))) q += 1;
  return Fixed::from_raw(saturate(q));
}

Fixed ScalarTraits<Fixed>::from_exact(const Exact& q) {
  const int F = current_context().fixed_frac;
  const Exact scaled = q * Exact(BigInt(1) << F);
  const BigInt num = numerator(scaled), den = denominator(scaled);
  BigInt fl = num / den;  // truncates towards zero
  BigInt rem = num - fl * den;
  if (rem < 0) {
    fl -= 1;
    rem += den;
  }
  const int c = BigInt(2 * rem).compare(den);
  if (c > 0 || (c == 0 && (fl & 1) != 0)) fl += 1;
  using namespace fixed_point;
  if (fl > max_raw()) return note_saturated(), Fixed::from_raw(max_raw());
  if (fl < min_raw()) return note_saturated(), Fixed::from_raw(min_raw());
  return Fixed::from_raw(fl.convert_to<std::int64_t>());
}

double ScalarTraits<Fixed>::to_double(Fixed x) {
  return std::ldexp(static_cast<double>(x.raw), -current_context().fixed_frac);
}

Exact ScalarTraits<Fixed>::to_exact(Fixed x) {
  return Exact(BigInt(x.raw)) / Exact(BigInt(1) << current_context().fixed_frac);
}

std::string ScalarTraits<Fixed>::to_string(Fixed x) {
  // raw · 2^−F has a finite decimal expansion; print it exactly.
  const int F = current_context().fixed_frac;
  if (F == 0) return std::to_string(x.raw);
  const bool neg = x.raw < 0;
  BigInt mag = neg ? BigInt(-BigInt(x.raw)) : BigInt(x.raw);
  const BigInt ip = mag >> F;
  BigInt frac = mag - (ip << F);
  std::string digits;
  for (int i = 0; i < F && frac != 0; ++i) {
    frac *= 10;
    const BigInt d = frac >> F;
    digits += static_cast<char>('0' + d.convert_to<int>());
    frac -= d << F;
  }
  std::string out = neg ? "-" : "";
  out += ip.str();
  if (!digits.empty()) {
    out += '.';
    out += digits;
  }
  return out;
}

}  // namespace parallax::numeric
