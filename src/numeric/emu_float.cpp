// Correctly rounded binary formats: the conversion of exact rationals and the
// EmuFloat operations.
#include "numeric/emu_float.hpp"

#include <mpfr.h>

#include <cmath>
#include <limits>

#include "numeric/mpfr_range.hpp"

namespace parallax::numeric {

namespace detail {
void note_events(mpfr_srcptr r, int t, bool finite_in, const FormatRange& range) noexcept {
  if (mpfr_nan_p(r)) {
    if (finite_in) note_invalid();
    return;
  }
  if (mpfr_inf_p(r)) {
    if (finite_in) note_overflow();
    return;
  }
  if (t != 0 && (range.tiny(r) || mpfr_zero_p(r))) note_underflow();
}
}  // namespace detail

double round_exact_to_binary(const Exact& q, int mant, int exp) {
  detail::FormatRange range(mant, exp);
  mpfr_t x;
  mpfr_init2(x, mant);
  int t = mpfr_set_q(x, q.backend().data(), MPFR_RNDN);
  range.finish(x, t);
  const double r = mpfr_get_d(x, MPFR_RNDN);
  mpfr_clear(x);
  return r;
}

namespace emu {

double round_double(double x, int M, int E) noexcept {
  if (x == 0 || !std::isfinite(x)) return x;
  const int emax = (1 << (E - 1)) - 1;
  const int emin = 1 - emax;
  const int e = std::ilogb(x);
  // The quantum (unit in the last place) of the format at x's binade; below
  // the normal range it is fixed at that of the smallest normal binade.
  const int quantum_exp = (e < emin ? emin : e) - (M - 1);
  const double scaled = std::scalbn(x, -quantum_exp);  // exact: a power-of-two scaling
  const double r = std::scalbn(std::nearbyint(scaled), quantum_exp);  // ties to even
  const double max_finite = std::scalbn(2.0 - std::scalbn(1.0, 1 - M), emax);
  if (std::fabs(r) > max_finite) {
    note_overflow();
    return std::copysign(std::numeric_limits<double>::infinity(), x);
  }
  if (r != x && std::fabs(r) < std::scalbn(1.0, emin)) note_underflow();  // inexact, and subnormal or zero after rounding
  return r;
}

namespace {
struct Scratch {
  mpfr_t a, b, c, r;
  Scratch() {
    mpfr_inits2(53, a, b, c, r, static_cast<mpfr_ptr>(nullptr));
  }
  ~Scratch() { mpfr_clears(a, b, c, r, static_cast<mpfr_ptr>(nullptr)); }
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}
}  // namespace

double exact_op(Op op, double a, double b, int M, int E) noexcept {
  Scratch& s = scratch();
  mpfr_set_d(s.a, a, MPFR_RNDN);  // exact: 53-bit operands
  mpfr_set_d(s.b, b, MPFR_RNDN);
  mpfr_set_prec(s.r, M);
  detail::FormatRange range(M, E);
  int t;
  switch (op) {
    case Op::Add: t = mpfr_add(s.r, s.a, s.b, MPFR_RNDN); break;
    case Op::Sub: t = mpfr_sub(s.r, s.a, s.b, MPFR_RNDN); break;
    case Op::Mul: t = mpfr_mul(s.r, s.a, s.b, MPFR_RNDN); break;
    default: t = mpfr_div(s.r, s.a, s.b, MPFR_RNDN); break;
  }
  t = range.finish(s.r, t);
  const bool by_zero = op == Op::Div && b == 0;
  if (by_zero && !std::isnan(a)) note_invalid();  // division by zero: ±inf (or NaN for 0/0), never "overflow"
  detail::note_events(s.r, t, std::isfinite(a) && std::isfinite(b) && !by_zero, range);
  return mpfr_get_d(s.r, MPFR_RNDN);  // exact: M ≤ 53 and the range fits a double
}

double exact_fma(double a, double b, double c, int M, int E) noexcept {
  Scratch& s = scratch();
  mpfr_set_d(s.a, a, MPFR_RNDN);
  mpfr_set_d(s.b, b, MPFR_RNDN);
  mpfr_set_d(s.c, c, MPFR_RNDN);
  mpfr_set_prec(s.r, M);
  detail::FormatRange range(M, E);
  int t = mpfr_fma(s.r, s.a, s.b, s.c, MPFR_RNDN);
  t = range.finish(s.r, t);
  detail::note_events(s.r, t, std::isfinite(a) && std::isfinite(b) && std::isfinite(c), range);
  return mpfr_get_d(s.r, MPFR_RNDN);
}

}  // namespace emu

EmuFloat ScalarTraits<EmuFloat>::from_exact(const Exact& q) {
  const Context& c = current_context();
  const double r = round_exact_to_binary(q, c.float_mantissa, c.float_exponent);
  if (std::isinf(r)) {
    note_overflow();
  } else if (std::fabs(r) < std::scalbn(1.0, 2 - (1 << (c.float_exponent - 1))) && Exact(r) != q) {
    note_underflow();  // inexact, and subnormal or zero after rounding
  }
  return EmuFloat::raw(r);
}

}  // namespace parallax::numeric
