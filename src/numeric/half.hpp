#pragma once
// bfloat16 and IEEE binary16 as 16-bit storage formats: the bit patterns of
// exact values correctly rounded to them, and the values of bit patterns.
// They are the inputs of the device's half-precision diagonal scan
// (kernels/cuda/api.hpp, diag_scan_half), which computes in fp32; on the host
// the same formats are emulated as float:8:8 and float:11:5 (EmuFloat).
#include <cstdint>
#include <type_traits>

#include "numeric/exact.hpp"

namespace parallax::numeric {

/// bfloat16: 8 significand bits, fp32's exponent range (float:8:8).
struct Bf16 {
  static constexpr int mantissa = 8, exponent = 8;
};
/// IEEE binary16: 11 significand bits, 5 exponent bits (float:11:5).
struct Fp16 {
  static constexpr int mantissa = 11, exponent = 5;
};

template <class T>
inline constexpr bool is_half = std::is_same_v<T, Bf16> || std::is_same_v<T, Fp16>;

/// The bit pattern of q correctly rounded to H (ties to even, subnormals,
/// overflow to ±inf).
template <class H>
std::uint16_t half_bits(const Exact& q);
/// The value of a bit pattern of H.
template <class H>
float half_value(std::uint16_t bits);

template <>
std::uint16_t half_bits<Bf16>(const Exact& q);
template <>
std::uint16_t half_bits<Fp16>(const Exact& q);
template <>
float half_value<Bf16>(std::uint16_t bits);
template <>
float half_value<Fp16>(std::uint16_t bits);

}  // namespace parallax::numeric
