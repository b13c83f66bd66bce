#pragma once
// Internal to src/numeric: MPFR exponent-range handling shared by EmuFloat,
// BigFloat and the exact-to-binary conversion.
#include <mpfr.h>

namespace parallax::numeric::detail {

/// Sets MPFR's exponent range to that of an IEEE-style format with an M-bit
/// significand and an E-bit exponent field (E = 0: leaves MPFR's own, wide
/// range) for the lifetime of the object. MPFR's exponent range is
/// per-thread.
class FormatRange {
 public:
  FormatRange(int M, int E) noexcept : M_(M), E_(E), old_min_(mpfr_get_emin()), old_max_(mpfr_get_emax()) {
    if (E_ > 0) {
      mpfr_set_emin(emin_ieee() - M + 2);  // MPFR exponents are IEEE exponents + 1
      mpfr_set_emax(emax_ieee() + 1);
    }
  }
  ~FormatRange() {
    mpfr_set_emin(old_min_);
    mpfr_set_emax(old_max_);
  }
  FormatRange(const FormatRange&) = delete;
  FormatRange& operator=(const FormatRange&) = delete;

  long emax_ieee() const noexcept { return (1L << (E_ - 1)) - 1; }
  long emin_ieee() const noexcept { return 1 - emax_ieee(); }

  /// Brings a freshly rounded result (ternary value t) into the format:
  /// overflow to ±inf, gradual underflow. Returns the new ternary value.
  int finish(mpfr_ptr x, int t) const noexcept {
    if (E_ <= 0) return t;
    t = mpfr_check_range(x, t, MPFR_RNDN);
    return mpfr_subnormalize(x, t, MPFR_RNDN);
  }
  /// Whether a nonzero |x| lies below the smallest normal number.
  bool tiny(mpfr_srcptr x) const noexcept {
    return E_ > 0 && mpfr_regular_p(x) && mpfr_get_exp(x) - 1 < emin_ieee();
  }

 private:
  int M_, E_;
  mpfr_exp_t old_min_, old_max_;
};

/// Records overflow / underflow / invalid for a result computed from finite
/// operands (`finite_in`) with ternary value t.
void note_events(mpfr_srcptr r, int t, bool finite_in, const FormatRange& range) noexcept;

}  // namespace parallax::numeric::detail
