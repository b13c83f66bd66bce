#pragma once
// BigFloat: an MPFR number whose precision (and optional exponent range) comes
// from the thread's Context: M = float_mantissa bits, E = float_exponent bits
// (0 = MPFR's wide range, no subnormals). Used for float:M:E formats that do
// not fit a double (M > 53 or E > 11) and for resolved log:C / poly:K specs.
// Every result is rounded once, to nearest with ties to even.
#include <mpfr.h>

#include "numeric/context.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::numeric {

class BigFloat {
 public:
  BigFloat();  ///< zero at the context's precision
  BigFloat(const BigFloat& o);
  BigFloat(BigFloat&& o) noexcept;
  BigFloat& operator=(const BigFloat& o);
  BigFloat& operator=(BigFloat&& o) noexcept;
  ~BigFloat();

  mpfr_srcptr get() const noexcept { return x_; }
  mpfr_ptr get() noexcept { return x_; }

 private:
  mpfr_t x_;
};

BigFloat operator+(const BigFloat& a, const BigFloat& b);
BigFloat operator-(const BigFloat& a, const BigFloat& b);
BigFloat operator*(const BigFloat& a, const BigFloat& b);
BigFloat operator/(const BigFloat& a, const BigFloat& b);
BigFloat operator-(const BigFloat& a);
bool operator==(const BigFloat& a, const BigFloat& b);
/// a·b + c rounded once.
BigFloat fma(const BigFloat& a, const BigFloat& b, const BigFloat& c);

template <>
struct ScalarTraits<BigFloat> {
  static constexpr const char* name = "bigfloat";
  static constexpr Arithmetic arithmetic = Arithmetic::Float;
  static BigFloat from_exact(const Exact& q);
  static BigFloat from_int(long long v) { return from_exact(Exact(v)); }
  static BigFloat from_double(double v) { return from_exact(Exact(v)); }
  static double to_double(const BigFloat& x) { return mpfr_get_d(x.get(), MPFR_RNDN); }
  static Sign sign(const BigFloat& x) {
    if (mpfr_nan_p(x.get())) return Sign::Unknown;
    const int s = mpfr_sgn(x.get());
    return s > 0 ? Sign::Positive : s < 0 ? Sign::Negative : Sign::Zero;
  }
  static std::string to_string(const BigFloat& x);
  static bool is_finite(const BigFloat& x) { return mpfr_number_p(x.get()) != 0; }
};

}  // namespace parallax::numeric
