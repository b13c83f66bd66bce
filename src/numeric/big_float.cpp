#include "numeric/big_float.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "numeric/mpfr_range.hpp"

namespace parallax::numeric {

BigFloat::BigFloat() {
  mpfr_init2(x_, current_context().float_mantissa);
  mpfr_set_zero(x_, 1);
}
BigFloat::BigFloat(const BigFloat& o) {
  mpfr_init2(x_, mpfr_get_prec(o.x_));
  mpfr_set(x_, o.x_, MPFR_RNDN);
}
BigFloat::BigFloat(BigFloat&& o) noexcept {
  mpfr_init2(x_, MPFR_PREC_MIN);
  mpfr_swap(x_, o.x_);
}
BigFloat& BigFloat::operator=(const BigFloat& o) {
  if (this != &o) {
    mpfr_set_prec(x_, mpfr_get_prec(o.x_));
    mpfr_set(x_, o.x_, MPFR_RNDN);
  }
  return *this;
}
BigFloat& BigFloat::operator=(BigFloat&& o) noexcept {
  mpfr_swap(x_, o.x_);
  return *this;
}
BigFloat::~BigFloat() { mpfr_clear(x_); }

namespace {
template <class F>
BigFloat rounded(F&& f, bool finite_in) {
  const Context& c = current_context();
  BigFloat r;  // at the context's precision
  detail::FormatRange range(c.float_mantissa, c.float_exponent);
  int t = f(r.get());
  t = range.finish(r.get(), t);
  detail::note_events(r.get(), t, finite_in, range);
  return r;
}
bool finite(const BigFloat& x) { return mpfr_number_p(x.get()) != 0; }
}  // namespace

BigFloat operator+(const BigFloat& a, const BigFloat& b) {
  return rounded([&](mpfr_ptr r) { return mpfr_add(r, a.get(), b.get(), MPFR_RNDN); }, finite(a) && finite(b));
}
BigFloat operator-(const BigFloat& a, const BigFloat& b) {
  return rounded([&](mpfr_ptr r) { return mpfr_sub(r, a.get(), b.get(), MPFR_RNDN); }, finite(a) && finite(b));
}
BigFloat operator*(const BigFloat& a, const BigFloat& b) {
  return rounded([&](mpfr_ptr r) { return mpfr_mul(r, a.get(), b.get(), MPFR_RNDN); }, finite(a) && finite(b));
}
BigFloat operator/(const BigFloat& a, const BigFloat& b) {
  const bool by_zero = mpfr_zero_p(b.get()) != 0;
  if (by_zero && !mpfr_nan_p(a.get())) note_invalid();  // division by zero: ±inf (or NaN), never "overflow"
  return rounded([&](mpfr_ptr r) { return mpfr_div(r, a.get(), b.get(), MPFR_RNDN); }, finite(a) && finite(b) && !by_zero);
}
BigFloat operator-(const BigFloat& a) {
  BigFloat r(a);
  mpfr_neg(r.get(), r.get(), MPFR_RNDN);
  return r;
}
bool operator==(const BigFloat& a, const BigFloat& b) { return mpfr_equal_p(a.get(), b.get()) != 0; }
BigFloat fma(const BigFloat& a, const BigFloat& b, const BigFloat& c) {
  return rounded([&](mpfr_ptr r) { return mpfr_fma(r, a.get(), b.get(), c.get(), MPFR_RNDN); },
                 finite(a) && finite(b) && finite(c));
}

BigFloat ScalarTraits<BigFloat>::from_exact(const Exact& q) {
  return rounded([&](mpfr_ptr r) { return mpfr_set_q(r, q.backend().data(), MPFR_RNDN); }, true);
}

std::string ScalarTraits<BigFloat>::to_string(const BigFloat& x) {
  // Enough significant decimal digits to identify the binary value.
  const int digits = static_cast<int>(std::ceil(mpfr_get_prec(x.get()) * 0.30103)) + 1;
  char* s = nullptr;
  mpfr_asprintf(&s, "%.*Rg", digits, x.get());
  std::string out(s);
  mpfr_free_str(s);
  return out;
}

}  // namespace parallax::numeric
