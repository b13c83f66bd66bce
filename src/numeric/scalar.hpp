#pragma once
// The scalar-type interface every algorithm template relies on. Each scalar
// type (float, double, EmuFloat, BigFloat, Fixed, Exact, Interval, integers)
// specialises ScalarTraits; algorithms only call the free functions of
// scalar_traits.hpp and the arithmetic operators (+ - * / and unary -), never
// a type-specific API. The concept `Scalar` below states that interface, so a
// template constrained by it rejects any other type with a concept error.
#include <concepts>
#include <cstdint>
#include <string>

#include "numeric/exact.hpp"

namespace parallax::numeric {

/// Sign of a value; Unknown only for intervals that contain zero and more.
enum class Sign { Negative, Zero, Positive, Unknown };

/// The kind of arithmetic a scalar type does: the one capability each
/// ScalarTraits declares (`arithmetic`). What a type can do follows from it
/// (is_exact_v, has_elementary_v, has_exp_sqrt_v in scalar_traits.hpp).
enum class Arithmetic {
  Float,     ///< rounded binary floating point (double, float, EmuFloat, BigFloat): exp, log, tanh, √
  Fixed,     ///< saturating fixed point (Fixed): + − × ÷ only
  Exact,     ///< exact rationals and integers (Exact, BigInt, int64): + − × ÷ only
  Interval,  ///< certified enclosures (Interval): exp and √; a sign may be Unknown; own square and relu
};

template <class T>
struct ScalarTraits;  // specialised per scalar type (see scalar_traits.hpp)

/// A type with a ScalarTraits specialisation and the arithmetic operators:
/// what every algorithm template over a scalar may use.
template <class T>
concept Scalar = std::copyable<T> && std::default_initializable<T> &&
                 requires(const T& a, const T& b, const Exact& q, long long i, double d) {
                   { ScalarTraits<T>::name } -> std::convertible_to<const char*>;
                   { ScalarTraits<T>::arithmetic } -> std::convertible_to<Arithmetic>;
                   { ScalarTraits<T>::from_exact(q) } -> std::same_as<T>;
                   { ScalarTraits<T>::from_int(i) } -> std::same_as<T>;
                   { ScalarTraits<T>::from_double(d) } -> std::same_as<T>;
                   { ScalarTraits<T>::to_double(a) } -> std::same_as<double>;
                   { ScalarTraits<T>::sign(a) } -> std::same_as<Sign>;
                   { ScalarTraits<T>::to_string(a) } -> std::same_as<std::string>;
                   { ScalarTraits<T>::is_finite(a) } -> std::same_as<bool>;
                   { a + b } -> std::convertible_to<T>;
                   { a - b } -> std::convertible_to<T>;
                   { a * b } -> std::convertible_to<T>;
                   { a / b } -> std::convertible_to<T>;
                   { -a } -> std::convertible_to<T>;
                 } &&
                 // enclosures state their own square and relu (scalar_traits.hpp)
                 (ScalarTraits<T>::arithmetic != Arithmetic::Interval || requires(const T& a) {
                   { ScalarTraits<T>::square(a) } -> std::same_as<T>;
                   { ScalarTraits<T>::relu(a) } -> std::same_as<T>;
                 });

/// A type tag that `dispatch` passes to a generic lambda.
template <class T>
struct Tag {
  using type = T;
};

}  // namespace parallax::numeric
