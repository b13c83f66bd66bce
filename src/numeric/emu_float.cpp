// Provisional: correctly rounded conversion of an exact rational to a binary
// format (to be completed with the EmuFloat type).
#include <mpfr.h>

#include "numeric/scalar_traits.hpp"

namespace parallax::numeric {

double round_exact_to_binary(const Exact& q, int mant, int exp) {
  const mpfr_exp_t old_min = mpfr_get_emin(), old_max = mpfr_get_emax();
  const long emax_ieee = (1L << (exp - 1)) - 1;
  const long emin_ieee = 1 - emax_ieee;
  mpfr_set_emin(emin_ieee - mant + 2);
  mpfr_set_emax(emax_ieee + 1);
  mpfr_t x;
  mpfr_init2(x, mant);
  int t = mpfr_set_q(x, q.backend().data(), MPFR_RNDN);
  t = mpfr_check_range(x, t, MPFR_RNDN);
  mpfr_subnormalize(x, t, MPFR_RNDN);
  const double r = mpfr_get_d(x, MPFR_RNDN);
  mpfr_clear(x);
  mpfr_set_emin(old_min);
  mpfr_set_emax(old_max);
  return r;
}

}  // namespace parallax::numeric
