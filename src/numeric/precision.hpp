#pragma once
// Precision specs: the text a user gives to --precision, parsed into a
// Precision value. Forms (see precision_forms() for the one-line help):
//
//   fp64, fp32            native IEEE double / float
//   bf16, fp16            aliases of float:8:8 and float:11:5
//   float:M:E             M-bit significand (hidden bit included), E-bit
//                         exponent field, IEEE semantics; E = 0 means an
//                         unbounded exponent (MPFR's range, no subnormals)
//   fixed:I.F             two's complement, I integer bits (sign included),
//                         F fraction bits, saturating
//   log:C                 float with ⌈C·log₂ n⌉ significand bits, unbounded exponent
//   poly:K                float with ⌈n^K⌉ significand bits, unbounded exponent
//   exact                 GMP rationals
//   interval:M            MPFI intervals with M-bit endpoints
//
// log:C and poly:K depend on the input length n; resolve(n) turns them into
// float:M:0. Significands are capped at kMaxPrecisionBits.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parallax::numeric {

/// The largest significand (or interval endpoint) width any spec may ask for.
inline constexpr int kMaxPrecisionBits = 1 << 16;  // 65536 bits
/// Largest exponent field of float:M:E (MPFR's default range is 2^30).
inline constexpr int kMaxExponentBits = 30;
/// Largest I + F of fixed:I.F (products are formed in 128 bits).
inline constexpr int kMaxFixedBits = 62;

/// A malformed or unresolvable spec; the message names the spec and lists the
/// valid forms.
struct PrecisionError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Precision {
  enum class Kind { Fp64, Fp32, Float, Fixed, Log, Poly, Exact, Interval };
  Kind kind = Kind::Fp64;
  int mantissa = 53;    ///< Float: significand bits, hidden bit included
  int exponent = 11;    ///< Float: exponent field bits, 0 = unbounded
  int int_bits = 0;     ///< Fixed
  int frac_bits = 0;    ///< Fixed
  double factor = 0;    ///< Log: C; Poly: K
  int bits = 0;         ///< Interval: endpoint bits
  std::string text;     ///< the canonical spelling (an alias such as bf16 keeps its name)

  /// Parses a spec; throws PrecisionError on malformed text.
  static Precision parse(std::string_view spec);
  /// False for log:C and poly:K until resolve() is called.
  bool resolved() const { return kind != Kind::Log && kind != Kind::Poly; }
  /// For log:C / poly:K: the float:M:0 format for input length n (n ≥ 1);
  /// other specs are returned unchanged. Throws PrecisionError above the cap.
  Precision resolve(std::size_t n) const;
  /// The canonical text ("fp32", "bf16", "float:20:0", "fixed:8.8", …).
  std::string to_string() const { return text; }
  /// Significand bits of a float format (53 for fp64, 24 for fp32, M for
  /// float:M:E, interval endpoint bits); 0 for fixed, exact and unresolved specs.
  int significand_bits() const;
};

/// One-line description of a parsed spec, e.g. "binary float, 8-bit significand, 8-bit exponent".
std::string describe(const Precision& p);

struct PrecisionForm {
  std::string syntax;
  std::string example;
  std::string description;
};
/// Every accepted form, in the order `parallax precisions` lists them.
const std::vector<PrecisionForm>& precision_forms();

}  // namespace parallax::numeric
