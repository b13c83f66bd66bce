#include "numeric/dispatch.hpp"

namespace parallax::numeric {

Context context_for(const Precision& p, Status* status) {
  Context c;
  c.status = status;
  switch (p.kind) {
    case Precision::Kind::Float:
      c.float_mantissa = p.mantissa;
      c.float_exponent = p.exponent;
      break;
    case Precision::Kind::Fp32:
      c.float_mantissa = 24;
      c.float_exponent = 8;
      break;
    case Precision::Kind::Fixed:
      c.fixed_int = p.int_bits;
      c.fixed_frac = p.frac_bits;
      break;
    case Precision::Kind::Interval: c.interval_bits = p.bits; break;
    default: break;
  }
  return c;
}

}  // namespace parallax::numeric
