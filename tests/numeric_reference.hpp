#pragma once
// Independent references shared by the tests of src/numeric (test_precision,
// test_emu_float, test_big_float, test_fixed, test_interval, test_exact): the
// exact rational result rounded by a separate integer implementation, random
// IEEE values over the whole range, and brute-force searches over every value
// of a tiny format.
#include <catch2/catch.hpp>

#include <mpfi.h>
#include <mpfr.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "numeric/all.hpp"
#include "numeric/dispatch.hpp"

using namespace parallax;
using numeric::BigFloat;
using numeric::BigInt;
using numeric::Context;
using numeric::ContextGuard;
using numeric::EmuFloat;
using numeric::Exact;
using numeric::Fixed;
using numeric::Interval;
using numeric::Precision;
using numeric::PrecisionError;
using numeric::Status;

namespace parallax_test::numeric_ref {

// ---------------------------------------------------------------------------
// helpers

inline Context ctx_for(const std::string& spec, Status* status = nullptr) {
  return numeric::context_for(Precision::parse(spec), status);
}

inline Exact pow2(int k) {
  if (k >= 0) return Exact(BigInt(1) << k);
  return Exact(BigInt(1), BigInt(1) << -k);
}

/// Exact value of a finite double.
inline Exact exact_of(double x) {
  REQUIRE(std::isfinite(x));
  int e = 0;
  const double m = std::frexp(x, &e);  // x = m · 2^e, 0.5 ≤ |m| < 1
  const auto mi = static_cast<long long>(std::ldexp(m, 53));
  return Exact(mi) * pow2(e - 53);
}

/// Exact value of an mpfr number (must be regular or zero).
inline Exact exact_of(mpfr_srcptr x) {
  Exact q;
  mpfr_get_q(q.backend().data(), x);
  return q;
}

inline BigInt floor_div(const BigInt& n, const BigInt& d) {  // d > 0
  BigInt q = n / d;  // truncates
  if (q * d > n) q -= 1;
  return q;
}

/// round(n / d) to nearest, ties to even, d > 0.
inline BigInt round_half_even(const BigInt& n, const BigInt& d) {
  BigInt q = floor_div(n, d);
  const BigInt r2 = 2 * (n - q * d);  // in [0, 2d)
  if (r2 > d || (r2 == d && (q & 1) != 0)) q += 1;
  return q;
}

/// floor(log2 |q|) for q != 0.
inline int floor_log2(const Exact& q) {
  BigInt n = abs(numerator(q)), d = denominator(q);
  int e = static_cast<int>(msb(n)) - static_cast<int>(msb(d));
  // 2^e ≤ n/d < 2^(e+1)?
  Exact a = Exact(n, d);
  while (a < pow2(e)) --e;
  while (a >= pow2(e + 1)) ++e;
  return e;
}

/// Independent reference: q rounded to nearest-even in the IEEE-style binary
/// format (M significand bits incl. hidden, E exponent bits), with subnormals
/// and overflow to ±inf (round with unbounded exponent, then overflow if above
/// the largest finite value). The sign of a zero result follows q's sign.
inline double ref_round(const Exact& q, int M, int E) {
  if (q == 0) return 0.0;
  const bool neg = q < 0;
  const Exact a = neg ? Exact(-q) : q;
  const int emax = (1 << (E - 1)) - 1, emin = 1 - emax;
  const int e = floor_log2(a);
  const int qe = std::max(e, emin) - (M - 1);  // quantum exponent
  const Exact scaled = a * pow2(-qe);
  const BigInt r = round_half_even(numerator(scaled), denominator(scaled));
  // unbounded-exponent rounding may carry into the next binade; still fine:
  // r ≤ 2^M, and the value is r · 2^qe.
  const Exact rv = Exact(r) * pow2(qe);
  const Exact max_finite = Exact((BigInt(1) << M) - 1) * pow2(emax - (M - 1));
  double out;
  if (rv > max_finite)
    out = std::numeric_limits<double>::infinity();
  else
    out = std::ldexp(r.convert_to<double>(), qe);
  return neg ? -out : out;
}

inline bool same_bits(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}
inline bool same_bits(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
}

enum class Op { Add, Sub, Mul, Div, Fma };
inline const char* op_name(Op op) {
  switch (op) {
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    default: return "fma";
  }
}

// ---------------------------------------------------------------------------
// random IEEE values (float / double) spread over the whole range

template <class F>
struct Bits;
template <>
struct Bits<float> {
  using U = std::uint32_t;
  static constexpr int kMant = 23, kExpMax = 255, kBias = 127;
};
template <>
struct Bits<double> {
  using U = std::uint64_t;
  static constexpr int kMant = 52, kExpMax = 2047, kBias = 1023;
};

template <class F>
struct IeeeGen {
  using B = Bits<F>;
  using U = typename B::U;
  std::mt19937_64 rng;
  explicit IeeeGen(std::uint64_t seed) : rng(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

  F special() {
    static const F vals[] = {F(0),
                             -F(0),
                             std::numeric_limits<F>::infinity(),
                             -std::numeric_limits<F>::infinity(),
                             std::numeric_limits<F>::max(),
                             -std::numeric_limits<F>::max(),
                             std::numeric_limits<F>::denorm_min(),
                             -std::numeric_limits<F>::denorm_min(),
                             std::numeric_limits<F>::min(),
                             F(1),
                             F(-1)};
    return vals[uniform(0, int(std::size(vals)) - 1)];
  }

  /// A value with the given biased exponent field (clamped to [0, kExpMax-1]).
  F make(int expf, bool allow_special = true) {
    if (allow_special && uniform(0, 63) == 0) return special();
    expf = std::clamp(expf, 0, B::kExpMax - 1);
    U mant = static_cast<U>(rng()) & ((U(1) << B::kMant) - 1);
    if (uniform(0, 2) == 0) {  // short significand: more exact results and ties
      const int keep = uniform(0, B::kMant);
      mant &= ~((U(1) << (B::kMant - keep)) - 1);
      if (keep == 0) mant = 0;
    }
    const U sign = static_cast<U>(rng() & 1);
    const U bits = (sign << (sizeof(U) * 8 - 1)) | (U(expf) << B::kMant) | mant;
    return std::bit_cast<F>(bits);
  }
  F any() {
    for (;;) {
      const F x = std::bit_cast<F>(static_cast<U>(rng()));
      if (!std::isnan(x)) return x;
    }
  }
  int expf(F x) { return int((std::bit_cast<U>(x) >> B::kMant) & U(B::kExpMax)); }

  /// Operands for `op`, chosen so that results land everywhere: random bit
  /// patterns, nearby exponents (cancellation), and results near the
  /// underflow / overflow thresholds.
  void operands(Op op, F& a, F& b, F& c) {
    b = F(0);
    const int mode = uniform(0, 3);
    if (mode == 0) {
      a = any(), b = any(), c = any();
      return;
    }
    a = make(uniform(0, B::kExpMax - 1));
    const int ea = expf(a);
    // target biased exponent of the result: near the bottom (subnormal
    // results) or the top (overflow), or anywhere
    int target;
    switch (uniform(0, 2)) {
      case 0: target = uniform(-B::kMant - 4, 4); break;
      case 1: target = uniform(B::kExpMax - 6, B::kExpMax + 2); break;
      default: target = uniform(0, B::kExpMax - 1); break;
    }
    switch (op) {
      case Op::Add:
      case Op::Sub: b = make(mode == 1 ? ea + uniform(-3, 3) : ea + uniform(-B::kMant - 3, B::kMant + 3)); break;
      case Op::Mul:
      case Op::Fma: b = make(target - ea + B::kBias); break;
      case Op::Div: b = make(ea - target + B::kBias); break;
    }
    if (op == Op::Fma) {
      const F p = a * b;  // exponent of the product, roughly
      if (mode == 3 && std::isfinite(p)) {
        // cancellation: c ≈ −a·b
        U bits = std::bit_cast<U>(-p);
        bits ^= static_cast<U>(uniform(0, 3));
        c = std::bit_cast<F>(bits);
        if (std::isnan(c)) c = -p;
      } else {
        const int ep = std::isfinite(p) && p != 0 ? expf(p) : target;
        c = make(ep + uniform(-B::kMant - 2, B::kMant + 2));
      }
    } else {
      c = F(0);
    }
  }
};

template <class F>
F native(Op op, F a, F b, F c) {
  switch (op) {
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    default: return std::fma(a, b, c);
  }
}

inline EmuFloat emulated(Op op, EmuFloat a, EmuFloat b, EmuFloat c) {
  switch (op) {
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    default: return fma(a, b, c);
  }
}

inline Exact exact_op(Op op, const Exact& a, const Exact& b, const Exact& c) {
  switch (op) {
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    default: return a * b + c;
  }
}

template <class F>
void compare_with_native(const char* spec, int n_per_op, std::uint64_t seed) {
  Status status;
  ContextGuard g(ctx_for(spec, &status));
  IeeeGen<F> gen(seed);
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Fma}) {
    int mismatches = 0;
    for (int i = 0; i < n_per_op; ++i) {
      F a, b, c;
      gen.operands(op, a, b, c);
      if (std::isnan(a) || std::isnan(b) || std::isnan(c)) continue;
      const F want = native(op, a, b, c);
      const double got_d = emulated(op, EmuFloat::raw(double(a)), EmuFloat::raw(double(b)), EmuFloat::raw(double(c))).v;
      const F got = static_cast<F>(got_d);
      if (std::is_same_v<F, float> && !std::isnan(got_d) && double(got) != got_d) {
        FAIL_CHECK("result not representable in float: " << got_d);
      }
      if (!same_bits(got, want)) {
        if (++mismatches <= 5) {
          FAIL_CHECK(spec << ": " << std::hexfloat << a << " " << op_name(op) << " " << b
                          << (op == Op::Fma ? " + " : "") << (op == Op::Fma ? c : F(0)) << ": native " << want
                          << ", emulated " << got << std::defaultfloat);
        }
      }
    }
    INFO(spec << " op " << op_name(op));
    CHECK(mismatches == 0);
  }
}

/// A random exact value whose magnitude is about 2^log2mag, with `bits`
/// significant bits (so rounding to the format happens or not).
inline Exact rand_exact(std::mt19937_64& rng, int log2mag, int bits) {
  const std::uint64_t m = (rng() >> (64 - bits)) | (std::uint64_t(1) << (bits - 1));
  Exact q = Exact(BigInt(m)) * pow2(log2mag - (bits - 1));
  return (rng() & 1) ? Exact(-q) : q;
}

/// A random finite value of the current EmuFloat format (M, E).
inline EmuFloat rand_format_value(std::mt19937_64& rng, int M, int E, int log2mag) {
  const int emax = (1 << (E - 1)) - 1;
  for (;;) {
    const int bits = std::uniform_int_distribution<int>(1, std::min(M + 3, 60))(rng);
    const EmuFloat x = numeric::from_exact<EmuFloat>(rand_exact(rng, std::min(log2mag, emax), bits));
    if (std::isfinite(x.v)) return x;
  }
}

/// Checks every operation of the current EmuFloat format (M, E) against the
/// exact result rounded by ref_round, and the fast path against MPFR.
inline void compare_with_exact(const char* spec, int M, int E, int n_per_op, std::uint64_t seed) {
  ContextGuard g(ctx_for(spec));
  REQUIRE(numeric::current_context().float_mantissa == M);
  REQUIRE(numeric::current_context().float_exponent == E);
  std::mt19937_64 rng(seed);
  const int emax = (1 << (E - 1)) - 1, emin = 1 - emax;
  auto mag = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Fma}) {
    int mismatches = 0;
    for (int i = 0; i < n_per_op; ++i) {
      const int ea = mag(emin - M, emax);
      int eb = 0;
      const int target = (i % 3 == 0) ? mag(emin - M - 2, emin + 1) : (i % 3 == 1) ? mag(emax - 1, emax + 1) : mag(emin - M, emax);
      switch (op) {
        case Op::Add:
        case Op::Sub: eb = ea + mag(-M - 2, M + 2); break;
        case Op::Mul:
        case Op::Fma: eb = target - ea; break;
        case Op::Div: eb = ea - target; break;
      }
      const EmuFloat a = rand_format_value(rng, M, E, ea);
      const EmuFloat b = rand_format_value(rng, M, E, std::clamp(eb, emin - M, emax));
      const EmuFloat c = rand_format_value(rng, M, E, std::clamp(ea + eb + mag(-M - 2, M + 2), emin - M, emax));
      if (op == Op::Div && b.v == 0) continue;
      const Exact qa = exact_of(a.v), qb = exact_of(b.v), qc = exact_of(c.v);
      const Exact q = exact_op(op, qa, qb, qc);
      const double want = ref_round(q, M, E);
      const double lib_round = numeric::round_exact_to_binary(q, M, E);
      const double got = emulated(op, a, b, c).v;
      bool ok = got == want && (q == 0 || std::signbit(got) == (q < 0));
      ok = ok && lib_round == want && (q == 0 || std::signbit(lib_round) == (q < 0));
      if (op != Op::Fma) {
        const auto eop = op == Op::Add ? numeric::emu::Op::Add
                         : op == Op::Sub ? numeric::emu::Op::Sub
                         : op == Op::Mul ? numeric::emu::Op::Mul
                                         : numeric::emu::Op::Div;
        const double via_mpfr = numeric::emu::exact_op(eop, a.v, b.v, M, E);
        ok = ok && same_bits(via_mpfr, got);
      }
      if (!ok && ++mismatches <= 5) {
        FAIL_CHECK(spec << ": " << std::hexfloat << a.v << " " << op_name(op) << " " << b.v << " (c = " << c.v
                        << "): exact " << q.str() << " -> want " << want << ", round_exact_to_binary " << lib_round
                        << ", got " << got << std::defaultfloat);
      }
    }
    INFO(spec << " op " << op_name(op));
    CHECK(mismatches == 0);
  }
}

// ---------------------------------------------------------------------------
// brute force over every value of a tiny format

struct TinyValue {
  long long units;  ///< value / u, u = smallest subnormal; sign included
  bool neg;         ///< sign (distinguishes −0)
  bool even;        ///< significand is even
  bool overflow;    ///< the sentinel 2^(emax+1): rounding to it means ±inf
};

struct TinyFormat {
  int M, E, emax, emin;
  long long den;  ///< 1/u = 2^(M-1-emin)
  std::vector<TinyValue> values;      ///< every finite value, ±0 included
  std::vector<TinyValue> candidates;  ///< finite values (one zero) plus the ±overflow sentinels

  TinyFormat(int M_, int E_) : M(M_), E(E_) {
    emax = (1 << (E - 1)) - 1;
    emin = 1 - emax;
    den = 1LL << (M - 1 - emin);
    std::vector<TinyValue> pos;
    for (long long m = 0; m < (1LL << (M - 1)); ++m) pos.push_back({m, false, m % 2 == 0, false});  // subnormals, 0
    for (int e = emin; e <= emax; ++e)
      for (long long m = 1LL << (M - 1); m < (1LL << M); ++m) pos.push_back({m << (e - emin), false, m % 2 == 0, false});
    for (const auto& v : pos) {
      values.push_back(v);
      values.push_back({-v.units, true, v.even, false});
      candidates.push_back(v);
      if (v.units != 0) candidates.push_back({-v.units, true, v.even, false});
    }
    const long long sentinel = (1LL << (M - 1)) << (emax + 1 - emin);
    candidates.push_back({sentinel, false, true, true});
    candidates.push_back({-sentinel, true, true, true});
  }
  long long max_units() const { return ((1LL << M) - 1) << (emax - emin); }
  double to_double(const TinyValue& v) const {
    const double x = std::ldexp(double(v.units), emin - (M - 1));
    return v.neg && v.units == 0 ? -0.0 : x;
  }
  /// The nearest candidate to num/den_ (den_ > 0) in units, ties to even.
  const TinyValue& nearest(__int128 num, __int128 den_) const {
    const TinyValue* best = nullptr;
    __int128 best_d = 0;
    for (const auto& c : candidates) {
      __int128 d = __int128(c.units) * den_ - num;
      if (d < 0) d = -d;
      if (!best || d < best_d || (d == best_d && c.even && !best->even)) {
        best = &c;
        best_d = d;
      }
    }
    return *best;
  }
};

/// The IEEE result of a op b (or a·b + c) in the tiny format, by brute force.
inline double tiny_expected(const TinyFormat& f, Op op, const TinyValue& a, const TinyValue& b, const TinyValue& c,
                     bool* overflowed, bool* inexact) {
  *overflowed = false;
  *inexact = false;
  __int128 num = 0, den = 1;
  bool zero_neg = false;  // sign of an exact zero result
  switch (op) {
    case Op::Add:
      num = a.units + b.units;
      zero_neg = a.neg && b.neg;
      break;
    case Op::Sub:
      num = a.units - b.units;
      zero_neg = a.neg && !b.neg;
      break;
    case Op::Mul:
      num = __int128(a.units) * b.units;
      den = f.den;
      zero_neg = a.neg != b.neg;
      break;
    case Op::Div:
      if (b.units == 0) {
        if (a.units == 0) return std::numeric_limits<double>::quiet_NaN();
        return (a.neg != b.neg) ? -HUGE_VAL : HUGE_VAL;
      }
      num = __int128(a.units) * f.den;
      den = b.units;
      if (den < 0) num = -num, den = -den;
      zero_neg = a.neg != b.neg;
      break;
    case Op::Fma: {
      num = __int128(a.units) * b.units + __int128(c.units) * f.den;
      den = f.den;
      const bool prod_neg = a.neg != b.neg;
      zero_neg = prod_neg && c.neg;
      if (num == 0 && !(a.units == 0 || b.units == 0) ) zero_neg = false;
      break;
    }
  }
  const TinyValue& r = f.nearest(num, den);
  *inexact = __int128(r.units) * den != num;
  if (r.overflow) {
    *overflowed = true;
    return r.neg ? -HUGE_VAL : HUGE_VAL;
  }
  double x = std::ldexp(double(r.units), f.emin - (f.M - 1));
  if (r.units == 0) {
    const bool neg = num == 0 ? zero_neg : (num < 0);
    x = neg ? -0.0 : 0.0;
  }
  return x;
}

inline void brute_force(int M, int E, bool with_fma) {
  const std::string spec = "float:" + std::to_string(M) + ":" + std::to_string(E);
  const TinyFormat f(M, E);
  Status status;
  ContextGuard g(ctx_for(spec, &status));
  // every enumerated value is a value of the format: from_exact keeps it
  for (const auto& v : f.values) {
    const double x = f.to_double(v);
    REQUIRE(numeric::from_exact<EmuFloat>(exact_of(x)).v == x);
  }
  const double min_normal = std::ldexp(1.0, f.emin);
  int mismatches = 0, flag_mismatches = 0;
  std::vector<Op> ops = {Op::Add, Op::Sub, Op::Mul, Op::Div};
  if (with_fma) ops.push_back(Op::Fma);
  long long checked = 0;
  for (Op op : ops) {
    for (const auto& a : f.values)
      for (const auto& b : f.values)
        for (std::size_t ci = 0; ci < (op == Op::Fma ? f.values.size() : 1); ++ci) {
          const TinyValue& c = f.values[ci];
          bool overflowed = false, inexact = false;
          const double want = tiny_expected(f, op, a, b, c, &overflowed, &inexact);
          const EmuFloat ea = EmuFloat::raw(f.to_double(a)), eb = EmuFloat::raw(f.to_double(b)),
                         ec = EmuFloat::raw(f.to_double(c));
          status.clear();
          const double got = emulated(op, ea, eb, ec).v;
          const bool got_overflow = status.overflow, got_underflow = status.underflow;
          double via_mpfr = got;
          bool mpfr_overflow = got_overflow;
          if (op != Op::Fma) {
            status.clear();
            const auto eop = op == Op::Add ? numeric::emu::Op::Add
                             : op == Op::Sub ? numeric::emu::Op::Sub
                             : op == Op::Mul ? numeric::emu::Op::Mul
                                             : numeric::emu::Op::Div;
            via_mpfr = numeric::emu::exact_op(eop, ea.v, eb.v, M, E);
            mpfr_overflow = status.overflow;
          }
          ++checked;
          if (!same_bits(got, want) || !same_bits(via_mpfr, want)) {
            if (++mismatches <= 8)
              FAIL_CHECK(spec << ": " << ea.v << " " << op_name(op) << " " << eb.v
                              << (op == Op::Fma ? " + " + std::to_string(ec.v) : std::string()) << ": expected "
                              << want << ", operator gave " << got << ", MPFR path gave " << via_mpfr);
            continue;
          }
          // flags in the unambiguous cases
          const bool div_by_zero = op == Op::Div && b.units == 0;
          if (!div_by_zero && (got_overflow != overflowed || mpfr_overflow != overflowed)) {
            if (++flag_mismatches <= 8)
              FAIL_CHECK(spec << ": overflow flag for " << ea.v << " " << op_name(op) << " " << eb.v << ": expected "
                              << overflowed << ", got " << got_overflow << " / MPFR path " << mpfr_overflow);
          }
          const bool tiny_result = std::isfinite(want) && std::fabs(want) < min_normal;
          if (!inexact && got_underflow) {
            if (++flag_mismatches <= 8)
              FAIL_CHECK(spec << ": underflow flagged for exact result " << ea.v << " " << op_name(op) << " " << eb.v);
          }
          if (inexact && tiny_result && !got_underflow) {
            if (++flag_mismatches <= 8)
              FAIL_CHECK(spec << ": underflow not flagged for tiny inexact " << ea.v << " " << op_name(op) << " "
                              << eb.v << " = " << want);
          }
        }
  }
  INFO(spec << ": " << checked << " operations checked");
  CHECK(checked > 0);
  CHECK(mismatches == 0);
  CHECK(flag_mismatches == 0);
}

/// A BigFloat holding the double x (in the current format), signed zero kept.
inline BigFloat big_of(double x) {
  BigFloat r;
  REQUIRE(mpfr_set_d(r.get(), x, MPFR_RNDN) == 0);
  return r;
}

// ---------------------------------------------------------------------------
// fixed point reference

struct FixedRef {
  std::int64_t raw;
  bool saturated;
};

inline FixedRef fixed_ref(const Exact& q, int I, int F) {
  const Exact scaled = q * pow2(F);
  const BigInt r = round_half_even(numerator(scaled), denominator(scaled));
  const BigInt hi = (BigInt(1) << (I + F - 1)) - 1, lo = -(BigInt(1) << (I + F - 1));
  if (r > hi) return {hi.convert_to<std::int64_t>(), true};
  if (r < lo) return {lo.convert_to<std::int64_t>(), true};
  return {r.convert_to<std::int64_t>(), false};
}

}  // namespace
