#pragma once
// The scalar-type interface every algorithm template relies on. Each scalar
// type (float, double, EmuFloat, BigFloat, Fixed, Exact, Interval, integers)
// specialises ScalarTraits; algorithms only call the free functions below and
// the arithmetic operators (+ - * / and unary -), never a type-specific API.
#include <cstdint>
#include <string>

#include "numeric/exact.hpp"

namespace parallax::numeric {

/// Sign of a value; Unknown only for intervals that contain zero and more.
enum class Sign { Negative, Zero, Positive, Unknown };

template <class T>
struct ScalarTraits;  // specialised per scalar type (see scalar_traits.hpp)

/// A type tag that `dispatch` passes to a generic lambda.
template <class T>
struct Tag {
  using type = T;
};

}  // namespace parallax::numeric
