// bfloat16 and binary16 bit patterns (half.hpp).
#include "numeric/half.hpp"

#include <bit>
#include <cmath>

#include "numeric/scalar_traits.hpp"

namespace parallax::numeric {

template <>
std::uint16_t half_bits<Bf16>(const Exact& q) {
  // the value has 8 significand bits and fp32's exponent range: exact in a
  // float, whose low 16 bits are then zero
  const float f = static_cast<float>(round_exact_to_binary(q, Bf16::mantissa, Bf16::exponent));
  return static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(f) >> 16);
}

template <>
std::uint16_t half_bits<Fp16>(const Exact& q) {
  const double v = round_exact_to_binary(q, Fp16::mantissa, Fp16::exponent);
  const std::uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  const double a = std::fabs(v);
  if (std::isnan(v)) return sign | 0x7e00;
  if (a == 0) return sign;
  int e = 0;
  const double f = std::frexp(a, &e);  // a = f·2^e, f in [1/2, 1)
  const int biased = e + 14;           // a = (2f)·2^(e−1), exponent field e − 1 + 15
  if (std::isinf(a) || biased > 30) return sign | 0x7c00;
  if (biased >= 1) return sign | static_cast<std::uint16_t>(biased << 10) | static_cast<std::uint16_t>(std::ldexp(2 * f - 1, 10));
  return sign | static_cast<std::uint16_t>(std::ldexp(a, 24));  // subnormal: a = mantissa·2^−24
}

template <>
float half_value<Bf16>(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

template <>
float half_value<Fp16>(std::uint16_t bits) {
  const int e = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
  const float s = (bits & 0x8000) ? -1.0f : 1.0f;
  if (e == 0x1f) return mant ? NAN : s * INFINITY;
  if (e == 0) return s * std::ldexp(static_cast<float>(mant), -24);
  return s * std::ldexp(static_cast<float>(mant + 1024), e - 25);
}

}  // namespace parallax::numeric
