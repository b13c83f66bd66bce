#pragma once
// Exact arithmetic: GMP rationals and integers through Boost.Multiprecision.
#include <boost/multiprecision/gmp.hpp>
#include <string_view>

namespace parallax::numeric {

using Exact = boost::multiprecision::mpq_rational;
using BigInt = boost::multiprecision::mpz_int;

/// Parses an exact rational from text: "3", "-7", "1/3", "-2/6", "0.125",
/// "-1.5e-3", "2E4". Decimal notation is read exactly (0.1 is 1/10).
/// Throws std::invalid_argument naming the text on malformed input or a zero
/// denominator.
Exact parse_exact(std::string_view text);

}  // namespace parallax::numeric
