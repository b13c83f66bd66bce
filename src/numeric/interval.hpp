#pragma once
// Interval: a certified enclosure, an MPFI interval whose endpoints have
// `interval_bits` bits (from the thread's Context). Every operation returns an
// interval that contains the exact result for every choice of operands in the
// operand intervals; from_exact(q) contains q. sign() is Unknown when the
// interval straddles zero, so an acceptance test on intervals either is
// certified or says it cannot decide.
#include <mpfi.h>

#include "numeric/context.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::numeric {

class Interval {
 public:
  Interval();  ///< [0, 0] at the context's precision
  Interval(const Interval& o);
  Interval(Interval&& o) noexcept;
  Interval& operator=(const Interval& o);
  Interval& operator=(Interval&& o) noexcept;
  ~Interval();

  mpfi_srcptr get() const noexcept { return x_; }
  mpfi_ptr get() noexcept { return x_; }
  /// Whether the exact rational q lies in the interval.
  bool contains(const Exact& q) const;
  /// Endpoints, rounded outward to double.
  double lower() const;
  double upper() const;

 private:
  mpfi_t x_;
};

Interval operator+(const Interval& a, const Interval& b);
Interval operator-(const Interval& a, const Interval& b);
Interval operator*(const Interval& a, const Interval& b);
Interval operator/(const Interval& a, const Interval& b);
Interval operator-(const Interval& a);
/// Same endpoints.
bool operator==(const Interval& a, const Interval& b);

template <>
struct ScalarTraits<Interval> {
  static constexpr const char* name = "interval";
  static constexpr Arithmetic arithmetic = Arithmetic::Interval;
  static Interval from_exact(const Exact& q);
  static Interval from_int(long long v) { return from_exact(Exact(v)); }
  static Interval from_double(double v) { return from_exact(Exact(v)); }
  static double to_double(const Interval& x);  ///< the midpoint
  static Sign sign(const Interval& x);
  static std::string to_string(const Interval& x);  ///< "[lo, hi]"
  static bool is_finite(const Interval& x);         ///< both ends are numbers
  /// {v² : v ∈ x} enclosed (MPFI's square: [0, …] when x straddles 0).
  static Interval square(const Interval& x);
  /// max(v, 0) for every point v of x: [max(lo, 0), max(hi, 0)].
  static Interval relu(const Interval& x);
};

}  // namespace parallax::numeric
