#include "numeric/interval.hpp"

#include <mpfr.h>

#include <cmath>
#include <string>

namespace parallax::numeric {

Interval::Interval() {
  mpfi_init2(x_, current_context().interval_bits);
  mpfi_set_si(x_, 0);
}
Interval::Interval(const Interval& o) {
  mpfi_init2(x_, mpfi_get_prec(o.x_));
  mpfi_set(x_, o.x_);
}
Interval::Interval(Interval&& o) noexcept {
  mpfi_init2(x_, MPFR_PREC_MIN);
  mpfi_swap(x_, o.x_);
}
Interval& Interval::operator=(const Interval& o) {
  if (this != &o) {
    mpfi_set_prec(x_, mpfi_get_prec(o.x_));
    mpfi_set(x_, o.x_);
  }
  return *this;
}
Interval& Interval::operator=(Interval&& o) noexcept {
  mpfi_swap(x_, o.x_);
  return *this;
}
Interval::~Interval() { mpfi_clear(x_); }

bool Interval::contains(const Exact& q) const {
  return mpfi_is_inside_q(q.backend().data(), x_) > 0;
}
namespace {
/// An endpoint of x rounded outward to double.
template <class Get>
double endpoint(mpfi_srcptr x, Get get, mpfr_rnd_t outward) {
  mpfr_t t;
  mpfr_init2(t, mpfi_get_prec(x));
  get(t, x);
  const double r = mpfr_get_d(t, outward);
  mpfr_clear(t);
  return r;
}
}  // namespace

double Interval::lower() const { return endpoint(x_, [](mpfr_ptr t, mpfi_srcptr x) { mpfi_get_left(t, x); }, MPFR_RNDD); }
double Interval::upper() const { return endpoint(x_, [](mpfr_ptr t, mpfi_srcptr x) { mpfi_get_right(t, x); }, MPFR_RNDU); }

namespace {
template <class F>
Interval make(F&& f) {
  Interval r;
  f(r.get());
  if (mpfi_nan_p(r.get())) note_invalid();
  return r;
}
}  // namespace

Interval operator+(const Interval& a, const Interval& b) {
  return make([&](mpfi_ptr r) { mpfi_add(r, a.get(), b.get()); });
}
Interval operator-(const Interval& a, const Interval& b) {
  return make([&](mpfi_ptr r) { mpfi_sub(r, a.get(), b.get()); });
}
Interval operator*(const Interval& a, const Interval& b) {
  return make([&](mpfi_ptr r) { mpfi_mul(r, a.get(), b.get()); });
}
Interval operator/(const Interval& a, const Interval& b) {
  return make([&](mpfi_ptr r) { mpfi_div(r, a.get(), b.get()); });
}
Interval operator-(const Interval& a) {
  return make([&](mpfi_ptr r) { mpfi_neg(r, a.get()); });
}
bool operator==(const Interval& a, const Interval& b) {
  return mpfr_equal_p(&a.get()->left, &b.get()->left) && mpfr_equal_p(&a.get()->right, &b.get()->right);
}

Interval ScalarTraits<Interval>::from_exact(const Exact& q) {
  return make([&](mpfi_ptr r) { mpfi_set_q(r, q.backend().data()); });
}

double ScalarTraits<Interval>::to_double(const Interval& x) {
  mpfr_t m;
  mpfr_init2(m, mpfi_get_prec(x.get()) + 1);
  mpfi_mid(m, x.get());
  const double r = mpfr_get_d(m, MPFR_RNDN);
  mpfr_clear(m);
  return r;
}

bool ScalarTraits<Interval>::is_finite(const Interval& x) {
  return mpfr_number_p(&x.get()->left) && mpfr_number_p(&x.get()->right);
}

Interval ScalarTraits<Interval>::square(const Interval& x) {
  Interval r;
  mpfi_sqr(r.get(), x.get());
  return r;
}

Interval ScalarTraits<Interval>::relu(const Interval& x) {
  Interval r(x);
  if (mpfi_nan_p(x.get())) return r;
  if (mpfr_sgn(&x.get()->left) < 0) mpfr_set_zero(&r.get()->left, 1);
  if (mpfr_sgn(&x.get()->right) < 0) mpfr_set_zero(&r.get()->right, 1);
  return r;
}

Sign ScalarTraits<Interval>::sign(const Interval& x) {
  if (mpfi_nan_p(x.get())) return Sign::Unknown;
  if (mpfi_is_strictly_pos(x.get())) return Sign::Positive;
  if (mpfi_is_strictly_neg(x.get())) return Sign::Negative;
  if (mpfi_is_zero(x.get())) return Sign::Zero;
  return Sign::Unknown;
}

std::string ScalarTraits<Interval>::to_string(const Interval& x) {
  const int digits = static_cast<int>(std::ceil(mpfi_get_prec(x.get()) * 0.30103)) + 1;
  char *lo = nullptr, *hi = nullptr;
  mpfr_asprintf(&lo, "%.*RDg", digits, &x.get()->left);
  mpfr_asprintf(&hi, "%.*RUg", digits, &x.get()->right);
  std::string out = std::string("[") + lo + ", " + hi + "]";
  mpfr_free_str(lo);
  mpfr_free_str(hi);
  return out;
}

}  // namespace parallax::numeric
