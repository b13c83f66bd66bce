// Correctly rounded exp / log / tanh for EmuFloat and BigFloat through MPFR.
#include "numeric/functions.hpp"

#include <mpfr.h>

#include "numeric/mpfr_range.hpp"

namespace parallax::numeric {

namespace {
int apply_fn(ElementaryFn f, mpfr_ptr r, mpfr_srcptr a) {
  switch (f) {
    case ElementaryFn::Exp: return mpfr_exp(r, a, MPFR_RNDN);
    case ElementaryFn::Log: return mpfr_log(r, a, MPFR_RNDN);
    default: return mpfr_tanh(r, a, MPFR_RNDN);
  }
}
}  // namespace

double emu::exact_fn(ElementaryFn f, double a, int M, int E) noexcept {
  thread_local struct Scratch {
    mpfr_t a, r;
    Scratch() { mpfr_inits2(53, a, r, static_cast<mpfr_ptr>(nullptr)); }
    ~Scratch() { mpfr_clears(a, r, static_cast<mpfr_ptr>(nullptr)); }
  } s;
  mpfr_set_d(s.a, a, MPFR_RNDN);  // exact
  mpfr_set_prec(s.r, M);
  detail::FormatRange range(M, E);
  int t = apply_fn(f, s.r, s.a);
  t = range.finish(s.r, t);
  // log of a negative number or of zero: invalid (NaN / −inf), not overflow
  const bool domain_ok = f != ElementaryFn::Log || a > 0;
  if (!domain_ok && !std::isnan(a)) note_invalid();
  detail::note_events(s.r, t, std::isfinite(a) && domain_ok, range);
  return mpfr_get_d(s.r, MPFR_RNDN);
}

BigFloat big_fn(ElementaryFn f, const BigFloat& a) {
  const Context& c = current_context();
  BigFloat r;
  detail::FormatRange range(c.float_mantissa, c.float_exponent);
  int t = apply_fn(f, r.get(), a.get());
  t = range.finish(r.get(), t);
  const bool domain_ok = f != ElementaryFn::Log || mpfr_sgn(a.get()) > 0;
  if (!domain_ok && !mpfr_nan_p(a.get())) note_invalid();
  detail::note_events(r.get(), t, mpfr_number_p(a.get()) != 0 && domain_ok, range);
  return r;
}

}  // namespace parallax::numeric
