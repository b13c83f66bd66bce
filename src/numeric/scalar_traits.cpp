#include "numeric/scalar_traits.hpp"

#include <fmt/format.h>
#include <mpfr.h>

#include <cctype>
#include <limits>
#include <stdexcept>

namespace parallax::numeric {

std::string ScalarTraits<double>::to_string(double x) { return fmt::format("{}", x); }
std::string ScalarTraits<float>::to_string(float x) { return fmt::format("{}", x); }

double ScalarTraits<Exact>::to_double(const Exact& x) { return round_exact_to_binary(x, 53, 11); }

BigInt ScalarTraits<BigInt>::from_exact(const Exact& q) {
  if (denominator(q) != 1) throw std::domain_error("value " + q.str() + " is not an integer");
  return numerator(q);
}

std::int64_t ScalarTraits<std::int64_t>::from_exact(const Exact& q) {
  if (denominator(q) != 1) throw std::domain_error("value " + q.str() + " is not an integer");
  const BigInt z = numerator(q);
  if (z > std::numeric_limits<std::int64_t>::max() || z < std::numeric_limits<std::int64_t>::min())
    throw std::domain_error("value " + q.str() + " does not fit in 64 bits");
  return z.convert_to<std::int64_t>();
}

}  // namespace parallax::numeric
