// Tests for src/numeric: precision specs, dispatch, and every scalar type
// (EmuFloat, BigFloat, Fixed, Interval, Exact) against independent references:
// native float / double, the exact rational result rounded by a separate
// integer implementation, and a brute-force nearest-value search over every
// value of a tiny format.
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

namespace {

// ---------------------------------------------------------------------------
// helpers

Context ctx_for(const std::string& spec, Status* status = nullptr) {
  return numeric::context_for(Precision::parse(spec), status);
}

Exact pow2(int k) {
  if (k >= 0) return Exact(BigInt(1) << k);
  return Exact(BigInt(1), BigInt(1) << -k);
}

/// Exact value of a finite double.
Exact exact_of(double x) {
  REQUIRE(std::isfinite(x));
  int e = 0;
  const double m = std::frexp(x, &e);  // x = m · 2^e, 0.5 ≤ |m| < 1
  const auto mi = static_cast<long long>(std::ldexp(m, 53));
  return Exact(mi) * pow2(e - 53);
}

/// Exact value of an mpfr number (must be regular or zero).
Exact exact_of(mpfr_srcptr x) {
  Exact q;
  mpfr_get_q(q.backend().data(), x);
  return q;
}

BigInt floor_div(const BigInt& n, const BigInt& d) {  // d > 0
  BigInt q = n / d;  // truncates
  if (q * d > n) q -= 1;
  return q;
}

/// round(n / d) to nearest, ties to even, d > 0.
BigInt round_half_even(const BigInt& n, const BigInt& d) {
  BigInt q = floor_div(n, d);
  const BigInt r2 = 2 * (n - q * d);  // in [0, 2d)
  if (r2 > d || (r2 == d && (q & 1) != 0)) q += 1;
  return q;
}

/// floor(log2 |q|) for q != 0.
int floor_log2(const Exact& q) {
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
double ref_round(const Exact& q, int M, int E) {
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

bool same_bits(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}
bool same_bits(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
}

enum class Op { Add, Sub, Mul, Div, Fma };
const char* op_name(Op op) {
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

EmuFloat emulated(Op op, EmuFloat a, EmuFloat b, EmuFloat c) {
  switch (op) {
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    default: return fma(a, b, c);
  }
}

Exact exact_op(Op op, const Exact& a, const Exact& b, const Exact& c) {
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
Exact rand_exact(std::mt19937_64& rng, int log2mag, int bits) {
  const std::uint64_t m = (rng() >> (64 - bits)) | (std::uint64_t(1) << (bits - 1));
  Exact q = Exact(BigInt(m)) * pow2(log2mag - (bits - 1));
  return (rng() & 1) ? Exact(-q) : q;
}

/// A random finite value of the current EmuFloat format (M, E).
EmuFloat rand_format_value(std::mt19937_64& rng, int M, int E, int log2mag) {
  const int emax = (1 << (E - 1)) - 1;
  for (;;) {
    const int bits = std::uniform_int_distribution<int>(1, std::min(M + 3, 60))(rng);
    const EmuFloat x = numeric::from_exact<EmuFloat>(rand_exact(rng, std::min(log2mag, emax), bits));
    if (std::isfinite(x.v)) return x;
  }
}

/// Checks every operation of the current EmuFloat format (M, E) against the
/// exact result rounded by ref_round, and the fast path against MPFR.
void compare_with_exact(const char* spec, int M, int E, int n_per_op, std::uint64_t seed) {
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
double tiny_expected(const TinyFormat& f, Op op, const TinyValue& a, const TinyValue& b, const TinyValue& c,
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

void brute_force(int M, int E, bool with_fma) {
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
BigFloat big_of(double x) {
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

FixedRef fixed_ref(const Exact& q, int I, int F) {
  const Exact scaled = q * pow2(F);
  const BigInt r = round_half_even(numerator(scaled), denominator(scaled));
  const BigInt hi = (BigInt(1) << (I + F - 1)) - 1, lo = -(BigInt(1) << (I + F - 1));
  if (r > hi) return {hi.convert_to<std::int64_t>(), true};
  if (r < lo) return {lo.convert_to<std::int64_t>(), true};
  return {r.convert_to<std::int64_t>(), false};
}

}  // namespace

// ===========================================================================
// 1. Precision specs

TEST_CASE("Precision parses every form and round-trips its canonical text", "[quick][numeric]") {
  for (const char* s : {"fp64", "fp32", "bf16", "fp16", "float:24:8", "float:100:0", "float:2:2", "float:65536:0",
                        "float:53:30", "fixed:8.8", "fixed:1.0", "fixed:31.31", "fixed:2.60", "log:2", "log:1.5",
                        "poly:1", "poly:0.5", "exact", "interval:53", "interval:2", "interval:65536"}) {
    INFO(s);
    const Precision p = Precision::parse(s);
    CHECK(p.to_string() == s);
    CHECK(Precision::parse(p.to_string()).to_string() == s);
    CHECK_FALSE(numeric::describe(p).empty());
  }
  // canonical spelling of non-canonical numbers
  CHECK(Precision::parse("log:2.0").to_string() == "log:2");
  CHECK(Precision::parse("float:024:08").to_string() == "float:24:8");

  const auto bf16 = Precision::parse("bf16");
  CHECK(bf16.kind == Precision::Kind::Float);
  CHECK(bf16.mantissa == 8);
  CHECK(bf16.exponent == 8);
  CHECK(bf16.to_string() == "bf16");
  const auto fp16 = Precision::parse("fp16");
  CHECK(fp16.kind == Precision::Kind::Float);
  CHECK(fp16.mantissa == 11);
  CHECK(fp16.exponent == 5);
  const auto fp32 = Precision::parse("fp32");
  CHECK(fp32.kind == Precision::Kind::Fp32);
  CHECK(fp32.significand_bits() == 24);
  const auto fp64 = Precision::parse("fp64");
  CHECK(fp64.kind == Precision::Kind::Fp64);
  CHECK(fp64.significand_bits() == 53);
  const auto fl = Precision::parse("float:100:0");
  CHECK(fl.kind == Precision::Kind::Float);
  CHECK(fl.mantissa == 100);
  CHECK(fl.exponent == 0);
  CHECK(fl.significand_bits() == 100);
  const auto fx = Precision::parse("fixed:8.4");
  CHECK(fx.kind == Precision::Kind::Fixed);
  CHECK(fx.int_bits == 8);
  CHECK(fx.frac_bits == 4);
  CHECK(fx.significand_bits() == 0);
  const auto lg = Precision::parse("log:2.5");
  CHECK(lg.kind == Precision::Kind::Log);
  CHECK(lg.factor == 2.5);
  CHECK_FALSE(lg.resolved());
  CHECK(lg.significand_bits() == 0);
  const auto pl = Precision::parse("poly:2");
  CHECK(pl.kind == Precision::Kind::Poly);
  CHECK(pl.factor == 2.0);
  CHECK_FALSE(pl.resolved());
  const auto ex = Precision::parse("exact");
  CHECK(ex.kind == Precision::Kind::Exact);
  CHECK(ex.resolved());
  CHECK(ex.significand_bits() == 0);
  const auto iv = Precision::parse("interval:77");
  CHECK(iv.kind == Precision::Kind::Interval);
  CHECK(iv.bits == 77);
  CHECK(iv.significand_bits() == 77);

  CHECK(numeric::describe(bf16).find("8-bit significand") != std::string::npos);
  CHECK(numeric::describe(fl).find("unbounded") != std::string::npos);
}

TEST_CASE("Every listed precision form's example parses to itself", "[quick][numeric]") {
  const auto& forms = numeric::precision_forms();
  REQUIRE(forms.size() == 10);
  for (const auto& f : forms) {
    INFO(f.syntax);
    CHECK(Precision::parse(f.example).to_string() == f.example);
    CHECK_FALSE(f.description.empty());
  }
}

TEST_CASE("Malformed precision specs throw PrecisionError naming the spec and the forms", "[quick][numeric]") {
  for (const char* s : {"float:0:8", "fixed:3", "log:-1", "fp33", "float:8", "interval:x", "poly:0", "", "float:1:8",
                        "float:24:1", "float:24:31", "float:65537:0", "float:24:8x", "float::8", "float:a:b",
                        "fixed:0.8", "fixed:8.-1", "fixed:32.31", "fixed:.4", "fixed:8.", "log:", "log:x", "log:0",
                        "poly:-2", "poly:inf", "interval:1", "interval:65537", "interval:", "exact:1", "float"}) {
    INFO("spec '" << s << "'");
    bool threw = false;
    try {
      (void)Precision::parse(s);
    } catch (const PrecisionError& e) {
      threw = true;
      const std::string what = e.what();
      CHECK(what.find("'" + std::string(s) + "'") != std::string::npos);
      CHECK(what.find("fixed:I.F") != std::string::npos);
      CHECK(what.find("float:M:E") != std::string::npos);
    }
    CHECK(threw);
  }
  // PrecisionError is an invalid_argument
  CHECK_THROWS_AS(Precision::parse("nope"), std::invalid_argument);
}

TEST_CASE("log:C and poly:K resolve against the input length and respect the cap", "[quick][numeric]") {
  CHECK(Precision::parse("log:2").resolve(1024).to_string() == "float:20:0");
  const auto r = Precision::parse("log:2").resolve(1024);
  CHECK(r.kind == Precision::Kind::Float);
  CHECK(r.mantissa == 20);
  CHECK(r.exponent == 0);
  CHECK(r.resolved());
  CHECK(Precision::parse("log:3").resolve(1000).to_string() == "float:30:0");  // ⌈29.897⌉
  CHECK(Precision::parse("log:1").resolve(1 << 20).to_string() == "float:20:0");
  CHECK(Precision::parse("log:1").resolve((1 << 20) + 1).to_string() == "float:21:0");
  CHECK(Precision::parse("log:2").resolve(1).to_string() == "float:2:0");  // at least 2 bits
  CHECK(Precision::parse("log:2").resolve(0).to_string() == "float:2:0");
  CHECK(Precision::parse("poly:1").resolve(100).to_string() == "float:100:0");
  // C·log₂ n that is an integer in exact arithmetic but not in doubles:
  // 2.2 · 25 = 55.00000000000001 in doubles must still give 55 bits
  CHECK(Precision::parse("log:2.2").resolve(std::size_t(1) << 25).to_string() == "float:55:0");
  CHECK(Precision::parse("log:2.2").resolve((std::size_t(1) << 25) + 1).to_string() == "float:56:0");
  CHECK(Precision::parse("poly:1.5").resolve(4).to_string() == "float:8:0");
  CHECK(Precision::parse("poly:1.5").resolve(5).to_string() == "float:12:0");  // ⌈11.18⌉
  CHECK(Precision::parse("poly:0.5").resolve(100).to_string() == "float:10:0");
  CHECK(Precision::parse("poly:0.5").resolve(101).to_string() == "float:11:0");
  CHECK(Precision::parse("poly:2").resolve(256).to_string() == "float:65536:0");  // exactly the cap
  CHECK(Precision::parse("poly:1").resolve(65536).to_string() == "float:65536:0");
  CHECK_THROWS_AS(Precision::parse("poly:1").resolve(65537), PrecisionError);
  CHECK_THROWS_AS(Precision::parse("poly:2").resolve(257), PrecisionError);
  try {
    (void)Precision::parse("poly:2").resolve(1000);
    FAIL("poly:2 at n = 1000 should exceed the cap");
  } catch (const PrecisionError& e) {
    const std::string what = e.what();
    CHECK(what.find("65536") != std::string::npos);
    CHECK(what.find("poly:2") != std::string::npos);
  }
  CHECK_THROWS_AS(Precision::parse("log:100000").resolve(1024), PrecisionError);
  // resolved specs are returned unchanged
  for (const char* s : {"fp64", "fp32", "bf16", "float:24:8", "fixed:8.8", "exact", "interval:53"}) {
    INFO(s);
    CHECK(Precision::parse(s).resolve(12345).to_string() == s);
  }
  CHECK(numeric::kMaxPrecisionBits == 65536);
}

// ===========================================================================
// 2. EmuFloat against native float / double

TEST_CASE("float:24:8 equals native float bit for bit", "[numeric]") {
  compare_with_native<float>("float:24:8", 100000, 0x5eed24);
}

TEST_CASE("float:53:11 equals native double bit for bit", "[numeric]") {
  compare_with_native<double>("float:53:11", 100000, 0x5eed53);
}

TEST_CASE("float:24:8 and float:53:11 agree with native on a quick sample", "[quick][numeric]") {
  compare_with_native<float>("float:24:8", 3000, 11);
  compare_with_native<double>("float:53:11", 3000, 12);
}

// ===========================================================================
// 3. EmuFloat against the exact result, and brute force on tiny formats

TEST_CASE("ref_round (the test's own reference) agrees with native conversions", "[quick][numeric]") {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 2000; ++i) {
    const Exact q = rand_exact(rng, std::uniform_int_distribution<int>(-160, 130)(rng), 60);
    // a double is kept as it is
    const double y = std::ldexp(double(rng() >> 11), std::uniform_int_distribution<int>(-1074, 971)(rng));
    CHECK(same_bits(ref_round(exact_of(y), 53, 11), y));
    const double d = ref_round(q, 53, 11);
    // d is the correctly rounded double; check by neighbours
    if (std::isfinite(d) && d != 0) {
      const Exact ed = exact_of(d);
      const Exact err = abs(ed - q);
      CHECK(err <= abs(exact_of(std::nextafter(d, HUGE_VAL)) - q));
      CHECK(err <= abs(exact_of(std::nextafter(d, -HUGE_VAL)) - q));
    }
    // a double value in float range rounds to the same float as the cast
    const double x = std::ldexp(double(rng() >> 11), std::uniform_int_distribution<int>(-200, 80)(rng));
    CHECK(same_bits(ref_round(exact_of(x), 24, 8), double(static_cast<float>(x))));
  }
  CHECK(ref_round(pow2(-25), 11, 5) == 0.0);
  CHECK(ref_round(Exact(3) * pow2(-26), 11, 5) == std::ldexp(1.0, -24));
  CHECK(ref_round(Exact(65520), 11, 5) == HUGE_VAL);
  CHECK(ref_round(Exact(65519), 11, 5) == 65504.0);
}

TEST_CASE("fp16 and bf16 operations equal the exact result rounded", "[numeric]") {
  compare_with_exact("fp16", 11, 5, 30000, 1601);
  compare_with_exact("bf16", 8, 8, 30000, 1602);
  compare_with_exact("float:11:5", 11, 5, 5000, 1603);
}

TEST_CASE("assorted EmuFloat formats equal the exact result rounded on both code paths", "[numeric]") {
  // fast path (M ≤ 25, E ≤ 10) and MPFR path formats
  for (const char* spec : {"float:2:2", "float:3:3", "float:5:4", "float:12:6", "float:24:8", "float:25:10",
                           "float:26:10", "float:25:11", "float:30:9", "float:53:11", "float:40:11"}) {
    const Precision p = Precision::parse(spec);
    compare_with_exact(spec, p.mantissa, p.exponent, 2000, std::hash<std::string>{}(spec));
  }
}

TEST_CASE("fp16 and bf16 equal the exact result rounded (quick sample)", "[quick][numeric]") {
  compare_with_exact("fp16", 11, 5, 1000, 7);
  compare_with_exact("bf16", 8, 8, 1000, 8);
}

TEST_CASE("float:4:3 brute force: every pair of values, + - * / and fma", "[numeric]") {
  brute_force(4, 3, true);
}

TEST_CASE("float:3:2, float:5:3 and float:2:3 brute force: every pair of values, + - * /", "[quick][numeric]") {
  brute_force(3, 2, false);
  brute_force(5, 3, false);
  brute_force(2, 3, false);
}

TEST_CASE("float:4:3 brute force without fma", "[quick][numeric]") { brute_force(4, 3, false); }

// ===========================================================================
// 4. Specific cases

TEST_CASE("fp32 emulation rounds ties to even", "[quick][numeric]") {
  Status st;
  ContextGuard g(ctx_for("float:24:8", &st));
  const EmuFloat one = numeric::one<EmuFloat>();
  CHECK(one.v == 1.0);
  const auto e = [](double x) { return EmuFloat::raw(x); };
  // 1 + 2^-24 is exactly halfway between 1 and 1 + 2^-23: ties to even → 1
  CHECK((one + numeric::from_exact<EmuFloat>(pow2(-24))).v == 1.0);
  // 1 + 3·2^-24 is halfway between 1 + 2^-23 (odd) and 1 + 2^-22 (even)
  CHECK((one + numeric::from_exact<EmuFloat>(Exact(3) * pow2(-24))).v == 1.0 + std::ldexp(1.0, -22));
  CHECK((one + e(std::ldexp(1.0, -23))).v == 1.0 + std::ldexp(1.0, -23));
  // just above the tie rounds up
  CHECK((one + e(std::ldexp(1.0, -24) + std::ldexp(1.0, -40))).v == 1.0 + std::ldexp(1.0, -23));
  // conversions tie to even as well
  CHECK(numeric::from_exact<EmuFloat>(Exact(1) + pow2(-24)).v == 1.0);
  CHECK(numeric::from_exact<EmuFloat>(Exact(1) + Exact(3) * pow2(-24)).v == 1.0 + std::ldexp(1.0, -22));
  CHECK(numeric::from_exact<EmuFloat>(-(Exact(1) + pow2(-24))).v == -1.0);
  CHECK(numeric::from_int<EmuFloat>(16777217).v == 16777216.0);
  CHECK(numeric::from_int<EmuFloat>(16777219).v == 16777220.0);
  CHECK(numeric::from_exact<EmuFloat>(Exact(1, 3)).v == double(1.0f / 3.0f));
  CHECK(numeric::from_exact<EmuFloat>(Exact(1, 10)).v == double(0.1f));
  CHECK_FALSE(st.any());
}

TEST_CASE("fp16 subnormals, underflow and overflow", "[quick][numeric]") {
  Status st;
  ContextGuard g(ctx_for("fp16", &st));
  const auto from = [](const Exact& q) { return numeric::from_exact<EmuFloat>(q).v; };
  const auto e = [](double x) { return EmuFloat::raw(x); };
  // the smallest subnormal 2^-24 is representable; 2^-25 ties to 0 (even);
  // 3·2^-26 = 0.75·2^-24 rounds to 2^-24; 2^-25 + tiny rounds up
  CHECK(from(pow2(-24)) == std::ldexp(1.0, -24));
  CHECK(from(pow2(-25)) == 0.0);
  CHECK(from(Exact(3) * pow2(-26)) == std::ldexp(1.0, -24));
  CHECK(from(pow2(-25) + pow2(-60)) == std::ldexp(1.0, -24));
  CHECK(from(Exact(3) * pow2(-25)) == std::ldexp(2.0, -24));  // 1.5 ulp → 2 ulp
  CHECK(from(Exact(5) * pow2(-25)) == std::ldexp(2.0, -24));  // 2.5 ulp → 2 ulp
  CHECK(std::signbit(from(-pow2(-26))));                      // −tiny rounds to −0
  CHECK(from(-pow2(-26)) == 0.0);
  // subnormals have a fixed quantum of 2^-24
  CHECK(from(Exact(1023) * pow2(-24)) == 1023 * std::ldexp(1.0, -24));
  CHECK(from(Exact(2047) * pow2(-25)) == 1024 * std::ldexp(1.0, -24));  // 1023.5 → 1024 (even) = 2^-14
  // the largest finite value and the range
  CHECK(from(Exact(65504)) == 65504.0);
  CHECK(from(Exact(65519)) == 65504.0);
  CHECK(from(Exact(2049)) == 2048.0);  // 2049 = tie between 2048 and 2050 → 2048
  CHECK(from(Exact(2051)) == 2052.0);
  CHECK_FALSE(st.overflow);
  CHECK(std::isinf(from(Exact(65520))));
  CHECK(st.overflow);
  st.clear();

  // operations
  const EmuFloat max = e(65504.0);
  CHECK((max + e(15.0)).v == 65504.0);  // 65519 < 65520 → 65504
  CHECK_FALSE(st.overflow);
  // 65504 + 16 = 65520 is halfway between 65504 (odd significand) and 2^16
  // (even, out of range): IEEE rounds to 2^16 with unbounded exponent, overflows
  const EmuFloat sum = max + e(16.0);
  CHECK(std::isinf(sum.v));
  CHECK(sum.v > 0);
  CHECK(st.overflow);
  st.clear();
  CHECK(((-max) - e(16.0)).v == -HUGE_VAL);
  CHECK(st.overflow);
  st.clear();
  const EmuFloat twice = max * e(2.0);
  CHECK(twice.v == HUGE_VAL);
  CHECK(st.overflow);
  CHECK_FALSE(st.saturated);
  st.clear();
  CHECK((max / e(0.5)).v == HUGE_VAL);
  CHECK(st.overflow);
  st.clear();
  CHECK(fma(max, e(2.0), -max).v == 65504.0);  // fma: no intermediate overflow
  CHECK_FALSE(st.overflow);

  // underflow: tiny and inexact
  st.clear();
  const EmuFloat min_sub = e(std::ldexp(1.0, -24));
  const EmuFloat half = e(0.5);
  CHECK((min_sub * half).v == 0.0);  // 2^-25 ties to 0
  CHECK(st.underflow);
  CHECK_FALSE(st.overflow);
  st.clear();
  CHECK((e(std::ldexp(3.0, -24)) * half).v == std::ldexp(2.0, -24));  // 1.5·2^-24 → 2·2^-24
  CHECK(st.underflow);
  st.clear();
  CHECK((min_sub / e(4.0)).v == 0.0);
  CHECK(st.underflow);
  st.clear();
  CHECK(fma(min_sub, half, e(0.0)).v == 0.0);
  CHECK(st.underflow);
  st.clear();
  // exact subnormal results do not underflow
  CHECK((e(std::ldexp(1.0, -14)) * half).v == std::ldexp(1.0, -15));
  CHECK((min_sub + min_sub).v == std::ldexp(1.0, -23));
  CHECK((e(std::ldexp(3.0, -24)) - min_sub).v == std::ldexp(2.0, -24));
  CHECK_FALSE(st.underflow);
  // normal inexact results do not underflow
  CHECK((e(1.0) / e(3.0)).v == 1365.0 / 4096.0);  // 0x1.554p-2
  CHECK_FALSE(st.underflow);
  CHECK_FALSE(st.any());
  // gradual underflow: x − y == 0 only if x == y
  CHECK((e(std::ldexp(1025.0, -24)) - e(std::ldexp(1024.0, -24))).v == std::ldexp(1.0, -24));
  // NaN from finite operands is invalid
  CHECK(std::isnan((e(0.0) / e(0.0)).v));
  CHECK(st.invalid);
  st.clear();
  CHECK(std::isinf((e(1.0) / e(0.0)).v));
  CHECK(std::signbit((e(1.0) / e(-0.0)).v));
}

TEST_CASE("EmuFloat conversions flag overflow and underflow", "[quick][numeric]") {
  Status st;
  ContextGuard g(ctx_for("fp16", &st));
  CHECK(numeric::from_exact<EmuFloat>(Exact(100000)).v == HUGE_VAL);
  CHECK(st.overflow);
  st.clear();
  CHECK(numeric::from_exact<EmuFloat>(Exact(-100000)).v == -HUGE_VAL);
  CHECK(st.overflow);
  st.clear();
  CHECK(numeric::from_exact<EmuFloat>(Exact(1, 3)).v != 0);
  CHECK_FALSE(st.any());
  // a tiny inexact conversion is an underflow, as for operations (and as
  // BigFloat's from_exact reports it)
  CHECK(numeric::from_exact<EmuFloat>(pow2(-30)).v == 0.0);
  CHECK(st.underflow);
}

TEST_CASE("bf16 rounding and range", "[quick][numeric]") {
  Status st;
  ContextGuard g(ctx_for("bf16", &st));
  const auto from = [](const Exact& q) { return numeric::from_exact<EmuFloat>(q).v; };
  CHECK(from(Exact(257)) == 256.0);  // 8-bit significand: 257 ties to 256
  CHECK(from(Exact(259)) == 260.0);
  CHECK(from(Exact(1, 3)) == 0x1.560p-2);
  // bf16 has float's range: 2^127 · (2 − 2^-7) is the largest value
  const double max = std::ldexp(2.0 - std::ldexp(1.0, -7), 127);
  CHECK(from(exact_of(max)) == max);
  CHECK_FALSE(st.overflow);
  CHECK((EmuFloat::raw(max) * EmuFloat::raw(2.0)).v == HUGE_VAL);
  CHECK(st.overflow);
  // smallest subnormal 2^-133
  CHECK(from(pow2(-133)) == std::ldexp(1.0, -133));
  CHECK(from(pow2(-134)) == 0.0);
  CHECK(from(Exact(3) * pow2(-135)) == std::ldexp(1.0, -133));
}

TEST_CASE("EmuFloat fast path and MPFR path agree on random formats, flags included", "[numeric]") {
  std::mt19937_64 rng(4242);
  int value_mismatches = 0, flag_mismatches = 0, round_up_to_normal = 0;
  Status st;
  for (int f = 0; f < 60; ++f) {
    const int M = std::uniform_int_distribution<int>(2, 25)(rng);
    const int E = std::uniform_int_distribution<int>(2, 10)(rng);
    ContextGuard g(numeric::context_for(Precision::parse("float:" + std::to_string(M) + ":" + std::to_string(E)), &st));
    REQUIRE(numeric::emu::fast_path(numeric::current_context()));
    const int emax = (1 << (E - 1)) - 1, emin = 1 - emax;
    for (int i = 0; i < 1500; ++i) {
      const int ea = std::uniform_int_distribution<int>(emin - M, emax)(rng);
      const int eb = std::uniform_int_distribution<int>(emin - M, emax)(rng);
      const EmuFloat a = rand_format_value(rng, M, E, ea), b = rand_format_value(rng, M, E, eb);
      for (auto op : {numeric::emu::Op::Add, numeric::emu::Op::Sub, numeric::emu::Op::Mul, numeric::emu::Op::Div}) {
        if (op == numeric::emu::Op::Div && b.v == 0) continue;  // see the division-by-zero test
        st.clear();
        const double fast = numeric::emu::binary(op, a.v, b.v);
        const bool fo = st.overflow, fu = st.underflow;
        st.clear();
        const double slow = numeric::emu::exact_op(op, a.v, b.v, M, E);
        const bool so = st.overflow, su = st.underflow;
        if (!same_bits(fast, slow)) {
          if (++value_mismatches <= 5)
            FAIL_CHECK("float:" << M << ":" << E << " " << std::hexfloat << a.v << " op" << int(op) << " " << b.v
                                << ": fast " << fast << ", MPFR " << slow << std::defaultfloat);
        } else if (fu && !su && !so && !fo && std::fabs(fast) == std::ldexp(1.0, emin)) {
          // tiny before rounding, rounded up to the smallest normal: the fast
          // path flags underflow, MPFR does not (see the dedicated test below)
          ++round_up_to_normal;
        } else if (fo != so || fu != su) {
          if (++flag_mismatches <= 5)
            FAIL_CHECK("float:" << M << ":" << E << " " << std::hexfloat << a.v << " op" << int(op) << " " << b.v
                                << " = " << fast << std::defaultfloat << ": flags fast (overflow " << fo
                                << ", underflow " << fu << ") vs MPFR (overflow " << so << ", underflow " << su
                                << ")");
        }
      }
    }
  }
  INFO(round_up_to_normal << " results rounded up to the smallest normal");
  CHECK(value_mismatches == 0);
  CHECK(flag_mismatches == 0);
}

TEST_CASE("EmuFloat division by zero is reported the same way on both code paths", "[quick][numeric]") {
  // Status documents division by zero as `invalid`; the result ±inf is exact,
  // so it is no overflow. Both code paths (fp16 uses the double fast path,
  // emu::exact_op is the MPFR path) must report it alike.
  Status st;
  ContextGuard g(ctx_for("fp16", &st));
  const double fast = (EmuFloat::raw(3.0) / EmuFloat::raw(-0.0)).v;
  const bool fast_invalid = st.invalid, fast_overflow = st.overflow;
  st.clear();
  const double slow = numeric::emu::exact_op(numeric::emu::Op::Div, 3.0, -0.0, 11, 5);
  const bool slow_invalid = st.invalid, slow_overflow = st.overflow;
  CHECK(fast == -HUGE_VAL);
  CHECK(slow == -HUGE_VAL);
  CHECK(fast_invalid == slow_invalid);
  CHECK(fast_overflow == slow_overflow);
  CHECK(fast_invalid);
  CHECK_FALSE(fast_overflow);
  CHECK(slow_invalid);
  CHECK_FALSE(slow_overflow);
  // the same through an MPFR-only format (float:53:11)
  ContextGuard g2(ctx_for("float:53:11", &st));
  st.clear();
  CHECK((EmuFloat::raw(1.0) / EmuFloat::raw(0.0)).v == HUGE_VAL);
  CHECK(st.invalid);
  CHECK_FALSE(st.overflow);
  // and BigFloat, bounded and unbounded exponent
  for (const char* spec : {"float:60:11", "float:100:0"}) {
    INFO(spec);
    ContextGuard g3(ctx_for(spec, &st));
    st.clear();
    const BigFloat q = numeric::one<BigFloat>() / numeric::zero<BigFloat>();
    CHECK(mpfr_inf_p(q.get()));
    CHECK(st.invalid);
    CHECK_FALSE(st.overflow);
  }
}

TEST_CASE("EmuFloat underflow flag: a result that rounds up to the smallest normal", "[quick][numeric]") {
  // fp16: (1 − 2^-11) · 2^-14 = 2^-14 − 2^-25 = 1023.5 · 2^-24 rounds (ties to
  // even) to 1024 · 2^-24 = 2^-14, the smallest normal. The result is not
  // tiny (not subnormal or zero), so — as Status documents and as the MPFR
  // path does — no underflow; above all, both code paths must agree.
  Status st;
  ContextGuard g(ctx_for("fp16", &st));
  const double a = 1.0 - std::ldexp(1.0, -11), b = std::ldexp(1.0, -14);
  const double fast = (EmuFloat::raw(a) * EmuFloat::raw(b)).v;
  const bool fast_underflow = st.underflow;
  st.clear();
  const double slow = numeric::emu::exact_op(numeric::emu::Op::Mul, a, b, 11, 5);
  const bool slow_underflow = st.underflow;
  CHECK(fast == std::ldexp(1.0, -14));
  CHECK(slow == std::ldexp(1.0, -14));
  CHECK(fast_underflow == slow_underflow);
}

TEST_CASE("EmuFloat traits", "[quick][numeric]") {
  ContextGuard g(ctx_for("bf16"));
  CHECK(std::string(numeric::scalar_name<EmuFloat>()) == "emufloat");
  CHECK_FALSE(numeric::is_exact_v<EmuFloat>);
  CHECK(numeric::zero<EmuFloat>().v == 0.0);
  CHECK(numeric::one<EmuFloat>().v == 1.0);
  CHECK(numeric::sign(EmuFloat::raw(-2.0)) == numeric::Sign::Negative);
  CHECK(numeric::sign(EmuFloat::raw(0.0)) == numeric::Sign::Zero);
  CHECK(numeric::sign(EmuFloat::raw(3.0)) == numeric::Sign::Positive);
  CHECK(numeric::sign(EmuFloat::raw(std::nan(""))) == numeric::Sign::Unknown);
  CHECK(numeric::to_double(EmuFloat::raw(0.375)) == 0.375);
  CHECK(numeric::to_string(EmuFloat::raw(0.375)) == "0.375");
  EmuFloat x = EmuFloat::raw(1.0);
  x += EmuFloat::raw(std::ldexp(1.0, -8));  // bf16: 1 + 2^-8 ties to 1
  CHECK(x.v == 1.0);
  x *= EmuFloat::raw(3.0);
  CHECK(x.v == 3.0);
  CHECK((-x).v == -3.0);
  CHECK(EmuFloat::raw(2.0) == EmuFloat::raw(2.0));
}

// ===========================================================================
// 5. BigFloat

TEST_CASE("BigFloat at float:100:0 rounds like MPFR at 100 bits", "[quick][numeric]") {
  Status st;
  ContextGuard g(ctx_for("float:100:0", &st));
  const BigFloat third = numeric::from_exact<BigFloat>(Exact(1, 3));
  CHECK(mpfr_get_prec(third.get()) == 100);
  // 1/3 ∈ [1/4, 1/2): the ulp is 2^-101; 2^101 = 3k + 2 so round(2^101/3) = k + 1
  const BigInt k = ((BigInt(1) << 101) - 2) / 3;
  CHECK(exact_of(third.get()) == Exact(k + 1, BigInt(1) << 101));
  const BigFloat three = numeric::from_int<BigFloat>(3);
  const BigFloat prod = third * three;
  CHECK(mpfr_get_prec(prod.get()) == 100);
  // 3 · (k + 1) / 2^101 = 1 + 2^-101, which rounds to exactly 1 at 100 bits
  const Exact err = abs(exact_of(prod.get()) - 1);
  CHECK(err <= pow2(-99));
  CHECK(exact_of(prod.get()) == 1);
  // (1/3 rounded) · 3 exactly is off by 2^-101; the product's rounding absorbed it
  CHECK(exact_of(third.get()) * 3 - 1 == pow2(-101));
  // 2/3 with the same check: 2 · (k + 1) / 2^101 is exact in 100 bits
  const BigFloat two_thirds = third * numeric::from_int<BigFloat>(2);
  CHECK(exact_of(two_thirds.get()) == 2 * exact_of(third.get()));
  const BigFloat q = numeric::one<BigFloat>() / three;
  CHECK(q == third);  // division is correctly rounded too
  // the relative error of a 100-bit rounding is below 2^-100
  const BigFloat tenth = numeric::from_exact<BigFloat>(Exact(1, 10));
  CHECK(abs(exact_of(tenth.get()) - Exact(1, 10)) <= Exact(1, 10) * pow2(-100));
  CHECK(abs(exact_of(tenth.get()) - Exact(1, 10)) > 0);
  // unbounded exponent: no underflow or overflow at extreme magnitudes
  const BigFloat tiny = numeric::from_exact<BigFloat>(pow2(-5000));
  const BigFloat tt = tiny * tiny;
  CHECK(exact_of(tt.get()) == pow2(-10000));
  const BigFloat huge = numeric::from_exact<BigFloat>(pow2(5000));
  CHECK(exact_of((huge * huge).get()) == pow2(10000));
  CHECK_FALSE(st.any());
  CHECK(numeric::sign(third) == numeric::Sign::Positive);
  CHECK(numeric::sign(-third) == numeric::Sign::Negative);
  CHECK(numeric::sign(third - third) == numeric::Sign::Zero);
  CHECK(numeric::to_double(third) == 1.0 / 3.0);
  CHECK(std::string(numeric::scalar_name<BigFloat>()) == "bigfloat");
  CHECK(numeric::to_string(numeric::from_exact<BigFloat>(Exact(5, 4))) == "1.25");
  // copies keep the precision, even under another context
  BigFloat copy;
  {
    ContextGuard g2(ctx_for("float:20:0"));
    BigFloat low = numeric::from_exact<BigFloat>(Exact(1, 3));
    CHECK(mpfr_get_prec(low.get()) == 20);
    copy = third;
    CHECK(mpfr_get_prec(copy.get()) == 100);
    BigFloat moved(std::move(low));
    CHECK(mpfr_get_prec(moved.get()) == 20);
  }
  CHECK(copy == third);
}

TEST_CASE("BigFloat operations at 100 and 300 bits are correctly rounded", "[numeric]") {
  for (int prec : {100, 300, 2}) {
    Status st;
    ContextGuard g(numeric::context_for(Precision::parse("float:" + std::to_string(prec) + ":0"), &st));
    std::mt19937_64 rng(prec);
    mpfr_t ref;
    mpfr_init2(ref, prec);
    int mismatches = 0;
    for (int i = 0; i < 3000; ++i) {
      auto rq = [&] {
        Exact num = Exact(BigInt(rng()) * BigInt(rng()) * BigInt(rng() | 1));
        Exact den = Exact(BigInt(rng() | 1) * BigInt(rng() | 1));
        Exact q = num / den * pow2(std::uniform_int_distribution<int>(-200, 200)(rng));
        return (rng() & 1) ? Exact(-q) : q;
      };
      const BigFloat a = numeric::from_exact<BigFloat>(rq()), b = numeric::from_exact<BigFloat>(rq()),
                     c = numeric::from_exact<BigFloat>(rq());
      const Exact qa = exact_of(a.get()), qb = exact_of(b.get()), qc = exact_of(c.get());
      for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Fma}) {
        BigFloat r;
        switch (op) {
          case Op::Add: r = a + b; break;
          case Op::Sub: r = a - b; break;
          case Op::Mul: r = a * b; break;
          case Op::Div: r = a / b; break;
          default: r = fma(a, b, c); break;
        }
        const Exact q = exact_op(op, qa, qb, qc);
        mpfr_set_q(ref, q.backend().data(), MPFR_RNDN);
        if (mpfr_get_prec(r.get()) != prec || !mpfr_equal_p(ref, r.get())) {
          if (++mismatches <= 5) FAIL_CHECK("prec " << prec << " op " << op_name(op) << " mismatch");
        }
      }
    }
    mpfr_clear(ref);
    CHECK(mismatches == 0);
    CHECK_FALSE(st.any());
  }
}

TEST_CASE("BigFloat at float:24:8 and float:53:11 equals EmuFloat", "[numeric]") {
  for (const char* spec : {"float:24:8", "fp16", "bf16", "float:53:11", "float:4:3"}) {
    const Precision p = Precision::parse(spec);
    Status st_big, st_emu;
    IeeeGen<double> gen(std::hash<std::string>{}(spec));
    std::mt19937_64 rng(17);
    int mismatches = 0, flag_mismatches = 0;
    const int emax = (1 << (p.exponent - 1)) - 1, emin = 1 - emax;
    for (int i = 0; i < 20000; ++i) {
      EmuFloat a, b, c;
      {
        ContextGuard g(numeric::context_for(p));
        const int ea = std::uniform_int_distribution<int>(emin - p.mantissa, emax)(rng);
        const int eb = (i % 2) ? std::uniform_int_distribution<int>(emin - p.mantissa, emax)(rng)
                               : std::clamp(std::uniform_int_distribution<int>(emin - p.mantissa - 2, 2)(rng) - ea,
                                            emin - p.mantissa, emax);
        a = rand_format_value(rng, p.mantissa, p.exponent, ea);
        b = rand_format_value(rng, p.mantissa, p.exponent, eb);
        c = rand_format_value(rng, p.mantissa, p.exponent, std::clamp(ea + eb, emin - p.mantissa, emax));
      }
      for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Fma}) {
        if (op == Op::Div && b.v == 0) continue;
        st_emu.clear();
        st_big.clear();
        double want;
        {
          ContextGuard g(numeric::context_for(p, &st_emu));
          want = emulated(op, a, b, c).v;
        }
        double got;
        {
          ContextGuard g(numeric::context_for(p, &st_big));
          const BigFloat ba = big_of(a.v), bb = big_of(b.v), bc = big_of(c.v);
          BigFloat r;
          switch (op) {
            case Op::Add: r = ba + bb; break;
            case Op::Sub: r = ba - bb; break;
            case Op::Mul: r = ba * bb; break;
            case Op::Div: r = ba / bb; break;
            default: r = fma(ba, bb, bc); break;
          }
          got = mpfr_get_d(r.get(), MPFR_RNDN);
        }
        if (!same_bits(got, want)) {
          if (++mismatches <= 5)
            FAIL_CHECK(spec << ": " << std::hexfloat << a.v << " " << op_name(op) << " " << b.v << ": EmuFloat "
                            << want << ", BigFloat " << got << std::defaultfloat);
        } else if (st_emu.overflow != st_big.overflow) {
          if (++flag_mismatches <= 5) FAIL_CHECK(spec << ": overflow flags differ for " << a.v << op_name(op) << b.v);
        }
      }
    }
    INFO(spec);
    CHECK(mismatches == 0);
    CHECK(flag_mismatches == 0);
  }
}

TEST_CASE("BigFloat with a bounded exponent: subnormals and overflow", "[quick][numeric]") {
  Status st;
  ContextGuard g(ctx_for("float:60:11", &st));
  const BigFloat min_sub = numeric::from_exact<BigFloat>(pow2(-1022 - 59));
  CHECK(exact_of(min_sub.get()) == pow2(-1081));
  CHECK_FALSE(st.any());
  const BigFloat half = numeric::from_exact<BigFloat>(Exact(1, 2));
  const BigFloat z = min_sub * half;  // tie → 0
  CHECK(mpfr_zero_p(z.get()));
  CHECK(st.underflow);
  st.clear();
  const BigFloat big = numeric::from_exact<BigFloat>(pow2(1023));
  const BigFloat inf = big * numeric::from_int<BigFloat>(2);
  CHECK(mpfr_inf_p(inf.get()));
  CHECK(st.overflow);
  st.clear();
  CHECK(mpfr_inf_p(numeric::from_exact<BigFloat>(pow2(1024)).get()));
  CHECK(st.overflow);
  // the significand is 60 bits: 1 + 2^-59 exact, 1 + 2^-60 ties to 1
  CHECK(exact_of(numeric::from_exact<BigFloat>(1 + pow2(-59)).get()) == 1 + pow2(-59));
  CHECK(exact_of(numeric::from_exact<BigFloat>(1 + pow2(-60)).get()) == 1);
}

// ===========================================================================
// 6. Fixed point

TEST_CASE("Fixed conversions from Exact round to nearest, ties to even", "[quick][numeric]") {
  Status st;
  ContextGuard g(ctx_for("fixed:8.4", &st));
  const auto raw = [](const Exact& q) { return numeric::from_exact<Fixed>(q).raw; };
  CHECK(raw(Exact(1, 32)) == 0);  // 0.5 ulp → 0
  CHECK(raw(Exact(3, 32)) == 2);  // 1.5 ulp → 2
  CHECK(raw(Exact(5, 32)) == 2);  // 2.5 ulp → 2
  CHECK(raw(Exact(7, 32)) == 4);
  CHECK(raw(Exact(-1, 32)) == 0);
  CHECK(raw(Exact(-3, 32)) == -2);
  CHECK(raw(Exact(-5, 32)) == -2);
  CHECK(raw(Exact(-7, 32)) == -4);
  CHECK(raw(Exact(1, 32) + pow2(-40)) == 1);  // just above the tie
  CHECK(raw(Exact(-1, 32) - pow2(-40)) == -1);
  CHECK(raw(Exact(1, 3)) == 5);   // 16/3 = 5.33
  CHECK(raw(Exact(-1, 3)) == -5);
  CHECK(raw(Exact(2, 3)) == 11);  // 10.67
  CHECK(raw(Exact(-2, 3)) == -11);
  CHECK(raw(Exact(5)) == 80);
  CHECK(raw(Exact(-128)) == -2048);
  CHECK(raw(Exact(2047, 16)) == 2047);
  CHECK_FALSE(st.any());
  // 127.96875 = 2047.5 ulp rounds (to even) to 2048: out of range, saturates
  CHECK(raw(Exact(4095, 32)) == 2047);
  CHECK(st.saturated);
  st.clear();
  CHECK(raw(Exact(1000)) == 2047);
  CHECK(st.saturated);
  st.clear();
  CHECK(raw(Exact(-1000)) == -2048);
  CHECK(st.saturated);
  st.clear();
  CHECK(raw(Exact(-4097, 32)) == -2048);  // −128.03125 = −2048.5 ulp → −2048 (even): in range
  CHECK_FALSE(st.saturated);
  CHECK(raw(Exact(-4099, 32)) == -2048);  // −2049.5 → −2050: saturates
  CHECK(st.saturated);
  st.clear();
  CHECK(numeric::from_int<Fixed>(7).raw == 112);
  CHECK(numeric::to_double(Fixed::from_raw(-3)) == -0.1875);
  CHECK(numeric::to_string(Fixed::from_raw(-3)) == "-0.1875");
  CHECK(numeric::to_string(Fixed::from_raw(2047)) == "127.9375");
  CHECK(numeric::to_string(Fixed::from_raw(-2048)) == "-128");
  CHECK(numeric::to_string(Fixed::from_raw(0)) == "0");
  CHECK(numeric::to_string(Fixed::from_raw(-8)) == "-0.5");
  CHECK(numeric::ScalarTraits<Fixed>::to_exact(Fixed::from_raw(-3)) == Exact(-3, 16));
  CHECK(numeric::sign(Fixed::from_raw(-3)) == numeric::Sign::Negative);
  CHECK(numeric::sign(Fixed::from_raw(0)) == numeric::Sign::Zero);
  CHECK(numeric::sign(Fixed::from_raw(1)) == numeric::Sign::Positive);
  CHECK(std::string(numeric::scalar_name<Fixed>()) == "fixed");
  CHECK_FALSE(st.any());
}

TEST_CASE("Fixed arithmetic rounds ties to even and saturates at both ends", "[quick][numeric]") {
  Status st;
  ContextGuard g(ctx_for("fixed:8.4", &st));
  const auto f = [](std::int64_t r) { return Fixed::from_raw(r); };
  CHECK(numeric::fixed_point::max_raw() == 2047);
  CHECK(numeric::fixed_point::min_raw() == -2048);
  // multiplication: raw product / 16, ties to even
  CHECK((f(1) * f(8)).raw == 0);    // 1/16 · 1/2 = 1/32 = 0.5 ulp → 0
  CHECK((f(3) * f(8)).raw == 2);    // 1.5 ulp → 2
  CHECK((f(5) * f(8)).raw == 2);    // 2.5 ulp → 2
  CHECK((f(-3) * f(8)).raw == -2);  // −1.5 → −2
  CHECK((f(-5) * f(8)).raw == -2);  // −2.5 → −2
  CHECK((f(-1) * f(8)).raw == 0);
  CHECK((f(3) * f(-8)).raw == -2);
  CHECK((f(1) * f(9)).raw == 1);    // 9/16 → 1
  CHECK((f(1) * f(7)).raw == 0);    // 7/16 → 0
  CHECK((f(48) * f(40)).raw == 120);  // 3 · 2.5 = 7.5
  // division: round(a · 16 / b), ties to even
  CHECK((f(1) / f(32)).raw == 0);   // (1/16) / 2 = 0.5 ulp → 0
  CHECK((f(3) / f(32)).raw == 2);   // 1.5 → 2
  CHECK((f(5) / f(32)).raw == 2);   // 2.5 → 2
  CHECK((f(-3) / f(32)).raw == -2);
  CHECK((f(3) / f(-32)).raw == -2);
  CHECK((f(-3) / f(-32)).raw == 2);
  CHECK((f(16) / f(48)).raw == 5);  // 1/3 → 5.33 → 5
  CHECK((f(-16) / f(48)).raw == -5);
  CHECK((f(32) / f(48)).raw == 11);  // 2/3 → 10.67 → 11
  CHECK((f(-32) / f(48)).raw == -11);
  CHECK((f(112) / f(32)).raw == 56);  // 7 / 2 = 3.5
  // addition, subtraction and negation in range
  CHECK((f(100) + f(-300)).raw == -200);
  CHECK((f(2047) - f(2047)).raw == 0);
  CHECK((-f(2047)).raw == -2047);
  CHECK_FALSE(st.any());

  // saturation at the top
  CHECK((f(1600) + f(1600)).raw == 2047);  // 100 + 100
  CHECK(st.saturated);
  st.clear();
  CHECK((f(2047) + f(1)).raw == 2047);
  CHECK(st.saturated);
  st.clear();
  CHECK((f(320) * f(320)).raw == 2047);  // 20 · 20
  CHECK(st.saturated);
  st.clear();
  CHECK((f(-320) * f(-320)).raw == 2047);
  CHECK(st.saturated);
  st.clear();
  CHECK((f(2047) / f(1)).raw == 2047);  // 127.9 / (1/16)
  CHECK(st.saturated);
  st.clear();
  CHECK((-f(-2048)).raw == 2047);  // −(−128) = 128 is out of range
  CHECK(st.saturated);
  st.clear();
  CHECK((f(0) - f(-2048)).raw == 2047);
  CHECK(st.saturated);
  st.clear();
  // … and at the bottom
  CHECK((f(-1600) - f(1600)).raw == -2048);
  CHECK(st.saturated);
  st.clear();
  CHECK((f(-2048) - f(1)).raw == -2048);
  CHECK(st.saturated);
  st.clear();
  CHECK((f(320) * f(-320)).raw == -2048);
  CHECK(st.saturated);
  st.clear();
  CHECK((f(-2048) / f(8)).raw == -2048);  // −128 / 0.5
  CHECK(st.saturated);
  st.clear();
  // exactly reaching the ends does not saturate
  CHECK((f(2046) + f(1)).raw == 2047);
  CHECK((f(-2047) - f(1)).raw == -2048);
  CHECK((f(-2048) * f(16)).raw == -2048);  // · 1
  CHECK((f(-1024) * f(32)).raw == -2048);  // −64 · 2
  CHECK((f(-2048) / f(16)).raw == -2048);
  CHECK_FALSE(st.any());
  // products that round to the edge: 2047.5 → 2048 saturates; −2048.5 → −2048 does not
  CHECK((f(4095) * f(8)).raw == 2047);  // 4095 is out of range as a value, but raw products are fine
  CHECK(st.saturated);
  st.clear();

  // division by zero: invalid, saturates towards the dividend's sign; 0/0 = 0
  CHECK((f(5) / f(0)).raw == 2047);
  CHECK(st.invalid);
  CHECK(st.saturated);
  st.clear();
  CHECK((f(-5) / f(0)).raw == -2048);
  CHECK(st.invalid);
  CHECK(st.saturated);
  st.clear();
  CHECK((f(0) / f(0)).raw == 0);
  CHECK(st.invalid);
  CHECK_FALSE(st.saturated);
}

TEST_CASE("Fixed operations equal the exact result rounded to nearest even and clamped", "[numeric]") {
  for (const char* spec : {"fixed:8.4", "fixed:16.16", "fixed:2.6", "fixed:4.0", "fixed:1.0", "fixed:1.5",
                           "fixed:32.30", "fixed:2.60", "fixed:61.1", "fixed:8.8"}) {
    const Precision p = Precision::parse(spec);
    const int I = p.int_bits, F = p.frac_bits, W = I + F;
    Status st;
    ContextGuard g(numeric::context_for(p, &st));
    std::mt19937_64 rng(std::hash<std::string>{}(spec));
    const std::int64_t hi = (std::int64_t(1) << (W - 1)) - 1, lo = -hi - 1;
    auto rand_raw_unclamped = [&]() -> std::int64_t {
      switch (rng() % 5) {
        case 0: return (rng() & 1) ? hi - std::int64_t(rng() % 4) : lo + std::int64_t(rng() % 4);
        case 1: return std::int64_t(rng() % 33) - 16;
        case 2: {  // random magnitude
          const int bits = int(rng() % W);
          const std::int64_t m = bits == 0 ? 0 : std::int64_t(rng() >> (64 - bits));
          return (rng() & 1) ? -m : m;
        }
        default: return lo + std::int64_t(rng() % (std::uint64_t(hi) - std::uint64_t(lo) + 1));
      }
    };
    auto rand_raw = [&]() -> std::int64_t { return std::clamp(rand_raw_unclamped(), lo, hi); };
    int mismatches = 0;
    long long saturations = 0;
    for (int i = 0; i < 20000; ++i) {
      const Fixed a = Fixed::from_raw(rand_raw()), b = Fixed::from_raw(rand_raw());
      const Exact qa = numeric::ScalarTraits<Fixed>::to_exact(a), qb = numeric::ScalarTraits<Fixed>::to_exact(b);
      CHECK(qa == Exact(BigInt(a.raw)) * pow2(-F));
      for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div}) {
        if (op == Op::Div && b.raw == 0) continue;
        st.clear();
        Fixed r;
        switch (op) {
          case Op::Add: r = a + b; break;
          case Op::Sub: r = a - b; break;
          case Op::Mul: r = a * b; break;
          default: r = a / b; break;
        }
        const FixedRef want = fixed_ref(exact_op(op, qa, qb, 0), I, F);
        saturations += want.saturated;
        if (r.raw != want.raw || st.saturated != want.saturated || st.invalid || st.overflow || st.underflow) {
          if (++mismatches <= 5)
            FAIL_CHECK(spec << ": raw " << a.raw << " " << op_name(op) << " raw " << b.raw << ": expected raw "
                            << want.raw << (want.saturated ? " (saturated)" : "") << ", got " << r.raw
                            << (st.saturated ? " (saturated)" : ""));
        }
      }
      // negation and conversion
      st.clear();
      const FixedRef neg = fixed_ref(-qa, I, F);
      CHECK((-a).raw == neg.raw);
      CHECK(bool(st.saturated) == neg.saturated);
      st.clear();
      const Exact q = Exact(BigInt(rand_raw()), BigInt(rng() % 1000 + 1)) * pow2(-int(rng() % 8));
      const FixedRef conv = fixed_ref(q, I, F);
      CHECK(numeric::from_exact<Fixed>(q).raw == conv.raw);
      CHECK(bool(st.saturated) == conv.saturated);
    }
    INFO(spec);
    CHECK(mismatches == 0);
    CHECK(saturations > 0);  // the generator does reach the ends
  }
}

// ===========================================================================
// 7. Interval

TEST_CASE("Interval results contain the exact result of random expressions", "[numeric]") {
  std::mt19937_64 rng(777);
  for (int bits : {2, 10, 53, 100}) {
    Status st;
    ContextGuard g(numeric::context_for(Precision::parse("interval:" + std::to_string(bits)), &st));
    int failures = 0, steps = 0;
    for (int trial = 0; trial < 300; ++trial) {
      auto rq = [&] {
        const long long n = (long long)(rng() % 2001) - 1000;
        const long long d = (long long)(rng() % 999) + 1;
        return Exact(n, d) * pow2(int(rng() % 41) - 20);
      };
      Exact exact = rq();
      Interval iv = numeric::from_exact<Interval>(exact);
      if (!iv.contains(exact)) ++failures;
      for (int s = 0; s < 30; ++s) {
        const Exact q = rq();
        const Interval iq = numeric::from_exact<Interval>(q);
        switch (rng() % 5) {
          case 4: {  // divide by the computed interval
            const auto sg = numeric::sign(iv);
            if (sg != numeric::Sign::Positive && sg != numeric::Sign::Negative) continue;
            exact = q / exact, iv = iq / iv;
            break;
          }
          case 0: exact += q, iv = iv + iq; break;
          case 1: exact -= q, iv = iv - iq; break;
          case 2: exact *= q, iv = iv * iq; break;
          default:
            if (q == 0 || numeric::sign(iq) == numeric::Sign::Unknown) continue;
            exact /= q, iv = iv / iq;
            break;
        }
        ++steps;
        if (!iv.contains(exact)) {
          if (++failures <= 5) FAIL_CHECK("interval:" << bits << " lost " << exact.str() << ": " << numeric::to_string(iv));
        }
        if (abs(exact) > Exact(BigInt(1) << 200) || (exact != 0 && abs(exact) < pow2(-200))) break;
      }
      // unary minus
      if (!(-iv).contains(-exact)) ++failures;
      // sign agrees with the exact sign whenever it is decided
      const auto sg = numeric::sign(iv);
      if (sg == numeric::Sign::Positive) CHECK(exact > 0);
      if (sg == numeric::Sign::Negative) CHECK(exact < 0);
      if (sg == numeric::Sign::Zero) CHECK(exact == 0);
      CHECK(iv.lower() <= iv.upper());
    }
    INFO("interval:" << bits << ", " << steps << " steps");
    CHECK(failures == 0);
    CHECK(steps > 1000);
    CHECK_FALSE(st.invalid);
  }
}

TEST_CASE("Interval width shrinks with more endpoint bits", "[quick][numeric]") {
  auto run = [](int bits) {
    ContextGuard g(numeric::context_for(Precision::parse("interval:" + std::to_string(bits))));
    Interval x = numeric::from_exact<Interval>(Exact(1, 3));
    const Interval seventh = numeric::from_exact<Interval>(Exact(1, 7));
    Exact exact(1, 3);
    for (int i = 0; i < 20; ++i) {
      x = x * seventh + numeric::from_exact<Interval>(Exact(2, 3));
      exact = exact * Exact(1, 7) + Exact(2, 3);
    }
    CHECK(x.contains(exact));
    CHECK(mpfi_get_prec(x.get()) == bits);
    mpfr_t w;
    mpfr_init2(w, 400);
    mpfi_diam_abs(w, x.get());
    const Exact width = exact_of(w);
    mpfr_clear(w);
    return width;
  };
  const Exact w10 = run(10), w53 = run(53), w100 = run(100);
  CHECK(w10 > 0);
  CHECK(w100 > 0);
  CHECK(w100 < w53);
  CHECK(w53 < w10);
  CHECK(w100 < w10 * pow2(-80));
  CHECK(w10 < Exact(1, 10));  // still a useful enclosure
}

TEST_CASE("Interval basics: conversions, sign, endpoints", "[quick][numeric]") {
  ContextGuard g(ctx_for("interval:53"));
  const Interval third = numeric::from_exact<Interval>(Exact(1, 3));
  CHECK(third.contains(Exact(1, 3)));
  CHECK_FALSE(third.contains(Exact(1, 2)));
  CHECK_FALSE(third.contains(Exact(1, 3) + pow2(-40)));
  CHECK(third.lower() < third.upper());
  CHECK(third.lower() <= 1.0 / 3.0);
  CHECK(third.upper() >= 1.0 / 3.0);
  CHECK(Exact(third.upper()) - Exact(third.lower()) <= pow2(-53));
  CHECK(numeric::to_double(third) == Approx(1.0 / 3.0));
  CHECK(numeric::sign(third) == numeric::Sign::Positive);
  CHECK(numeric::sign(-third) == numeric::Sign::Negative);
  CHECK(numeric::sign(third - third) == numeric::Sign::Unknown);  // [l−u, u−l] straddles 0
  CHECK(numeric::sign(numeric::zero<Interval>()) == numeric::Sign::Zero);
  const Interval two = numeric::from_int<Interval>(2);
  CHECK(two.lower() == 2.0);
  CHECK(two.upper() == 2.0);
  CHECK(two == numeric::from_exact<Interval>(Exact(2)));
  CHECK_FALSE(two == third);
  CHECK(numeric::to_string(two).front() == '[');
  CHECK(std::string(numeric::scalar_name<Interval>()) == "interval");
  CHECK_FALSE(numeric::is_exact_v<Interval>);
  // copies keep their precision
  Interval copy;
  {
    ContextGuard g2(ctx_for("interval:200"));
    Interval wide = numeric::from_exact<Interval>(Exact(1, 3));
    CHECK(mpfi_get_prec(wide.get()) == 200);
    copy = wide;
  }
  CHECK(mpfi_get_prec(copy.get()) == 200);
  CHECK(copy.contains(Exact(1, 3)));
  CHECK_FALSE(copy.contains(Exact(1, 3) + pow2(-150)));
}

// ===========================================================================
// 8. dispatch and the context

TEST_CASE("dispatch maps each precision to its scalar type and installs its format", "[quick][numeric]") {
  struct Case {
    const char* spec;
    const char* name;
  };
  for (const Case& c : {Case{"fp64", "fp64"}, Case{"fp32", "fp32"}, Case{"bf16", "emufloat"},
                        Case{"fp16", "emufloat"}, Case{"float:53:11", "emufloat"}, Case{"float:3:2", "emufloat"},
                        Case{"float:60:11", "bigfloat"}, Case{"float:20:0", "bigfloat"},
                        Case{"float:24:12", "bigfloat"}, Case{"fixed:8.8", "fixed"}, Case{"exact", "exact"},
                        Case{"interval:53", "interval"}}) {
    INFO(c.spec);
    Status status;
    const Precision p = Precision::parse(c.spec);
    const std::string name = numeric::dispatch(
        p,
        [&](auto tag) -> std::string {
          using T = typename decltype(tag)::type;
          const Context& ctx = numeric::current_context();
          CHECK(ctx.status == &status);
          if constexpr (std::is_same_v<T, EmuFloat> || std::is_same_v<T, BigFloat>) {
            CHECK(ctx.float_mantissa == p.mantissa);
            CHECK(ctx.float_exponent == p.exponent);
          }
          if constexpr (std::is_same_v<T, Fixed>) {
            CHECK(ctx.fixed_int == p.int_bits);
            CHECK(ctx.fixed_frac == p.frac_bits);
          }
          if constexpr (std::is_same_v<T, Interval>) CHECK(ctx.interval_bits == p.bits);
          // one generic computation works for every type
          const T x = numeric::from_exact<T>(Exact(1, 4)) + numeric::one<T>();
          CHECK(numeric::to_double(x) == Approx(1.25));
          return numeric::scalar_name<T>();
        },
        &status);
    CHECK(name == c.name);
  }
  // resolved log:2 is a BigFloat
  CHECK(numeric::dispatch(Precision::parse("log:2").resolve(1024),
                          [](auto tag) -> std::string { return numeric::scalar_name<typename decltype(tag)::type>(); }) ==
        "bigfloat");
}

TEST_CASE("dispatch of an unresolved spec throws, and the context is always restored", "[quick][numeric]") {
  Context mine;
  mine.float_mantissa = 7;
  mine.float_exponent = 4;
  mine.fixed_int = 5;
  mine.fixed_frac = 3;
  mine.interval_bits = 33;
  Status outer;
  mine.status = &outer;
  ContextGuard g(mine);
  auto same = [&] {
    const Context& c = numeric::current_context();
    return c.float_mantissa == 7 && c.float_exponent == 4 && c.fixed_int == 5 && c.fixed_frac == 3 &&
           c.interval_bits == 33 && c.status == &outer;
  };
  REQUIRE(same());
  for (const char* spec : {"log:2", "poly:1"}) {
    INFO(spec);
    bool called = false;
    CHECK_THROWS_AS(numeric::dispatch(Precision::parse(spec), [&](auto) { called = true; return 0; }), PrecisionError);
    CHECK_FALSE(called);
    CHECK(same());
  }
  int seen = 0;
  numeric::dispatch(Precision::parse("fp16"), [&](auto) {
    seen = numeric::current_context().float_mantissa;
    return 0;
  });
  CHECK(seen == 11);
  CHECK(same());
  // restored when the callee throws
  CHECK_THROWS_AS(numeric::dispatch(Precision::parse("fixed:8.8"),
                                    [&](auto) -> int { throw std::runtime_error("boom"); }),
                  std::runtime_error);
  CHECK(same());
  // nested guards restore in order
  {
    ContextGuard g2(ctx_for("fixed:4.2"));
    CHECK(numeric::current_context().fixed_int == 4);
    CHECK(numeric::current_context().status == nullptr);
    {
      ContextGuard g3(ctx_for("bf16"));
      CHECK(numeric::current_context().float_mantissa == 8);
    }
    CHECK(numeric::current_context().fixed_int == 4);
    CHECK(numeric::current_context().float_mantissa == 53);
  }
  CHECK(same());
  // events under dispatch go to dispatch's status, not the outer one
  Status inner;
  numeric::dispatch(Precision::parse("fixed:8.4"), [&](auto tag) {
    using T = typename decltype(tag)::type;
    (void)(numeric::from_int<T>(100) * numeric::from_int<T>(100));
    return 0;
  }, &inner);
  CHECK(inner.saturated);
  CHECK_FALSE(outer.any());
  // the context is per thread: another thread sees the defaults
  Context other;
  std::thread t([&] { other = numeric::current_context(); });
  t.join();
  CHECK(other.float_mantissa == 53);
  CHECK(other.float_exponent == 11);
  CHECK(other.status == nullptr);
  CHECK(same());
}

TEST_CASE("context_for sets the format of each kind", "[quick][numeric]") {
  const Context d;  // defaults
  const Context fp32 = ctx_for("fp32");
  CHECK(fp32.float_mantissa == 24);
  CHECK(fp32.float_exponent == 8);
  const Context fp64 = ctx_for("fp64");
  CHECK(fp64.float_mantissa == 53);
  CHECK(fp64.float_exponent == 11);
  const Context fx = ctx_for("fixed:3.7");
  CHECK(fx.fixed_int == 3);
  CHECK(fx.fixed_frac == 7);
  CHECK(fx.float_mantissa == d.float_mantissa);
  const Context iv = ctx_for("interval:123");
  CHECK(iv.interval_bits == 123);
  Status s;
  CHECK(ctx_for("exact", &s).status == &s);
  CHECK(ctx_for("exact").status == nullptr);
}

// ===========================================================================
// Exact and the native scalar traits

TEST_CASE("parse_exact reads integers, fractions and decimals exactly", "[quick][numeric]") {
  using numeric::parse_exact;
  CHECK(parse_exact("3") == 3);
  CHECK(parse_exact("-7") == -7);
  CHECK(parse_exact("+7") == 7);
  CHECK(parse_exact("1/3") == Exact(1, 3));
  CHECK(parse_exact("-2/6") == Exact(-1, 3));
  CHECK(parse_exact("0.125") == Exact(1, 8));
  CHECK(parse_exact("1.125") == Exact(9, 8));
  CHECK(parse_exact("0.09") == Exact(9, 100));
  CHECK(parse_exact("010") == 10);  // decimal, not octal
  CHECK(parse_exact("007") == 7);
  CHECK(parse_exact("08") == 8);
  CHECK(parse_exact("010/03") == Exact(10, 3));
  CHECK(parse_exact("-0.5") == Exact(-1, 2));
  CHECK(parse_exact("1.0e-2") == Exact(1, 100));
  CHECK(parse_exact("0.1") == Exact(1, 10));
  CHECK(parse_exact("-1.5e-3") == Exact(-3, 2000));
  CHECK(parse_exact("2E4") == 20000);
  CHECK(parse_exact("1e+2") == 100);
  CHECK(parse_exact(".5") == Exact(1, 2));
  CHECK(parse_exact("5.") == 5);
  CHECK(parse_exact("  42  ") == 42);
  CHECK(parse_exact("123456789012345678901234567890") == Exact(BigInt("123456789012345678901234567890")));
  for (const char* bad : {"", "  ", "1/0", "abc", "1.2.3", "1e", "/3", "3/", "e5", ".", "-", "1/-3", "1e1234567",
                          "0x10", "1 2", "--1"}) {
    INFO("'" << bad << "'");
    bool threw = false;
    try {
      (void)parse_exact(bad);
    } catch (const std::invalid_argument& e) {
      threw = true;
      CHECK(std::string(e.what()).find("'" + std::string(bad) + "'") != std::string::npos);
    }
    CHECK(threw);
  }
}

TEST_CASE("native and exact scalar traits", "[quick][numeric]") {
  CHECK(numeric::from_exact<double>(Exact(1, 3)) == 1.0 / 3.0);
  CHECK(numeric::from_exact<double>(Exact(1, 10)) == 0.1);
  CHECK(numeric::from_exact<float>(Exact(1, 3)) == 1.0f / 3.0f);
  CHECK(numeric::from_exact<float>(Exact(1, 10)) == 0.1f);
  CHECK(numeric::from_exact<double>(pow2(-1075)) == 0.0);  // tie with the smallest subnormal → 0
  CHECK(numeric::from_exact<double>(Exact(3) * pow2(-1076)) == std::ldexp(1.0, -1074));
  CHECK(numeric::from_exact<float>(pow2(-150)) == 0.0f);
  CHECK(numeric::from_exact<float>(pow2(128)) == std::numeric_limits<float>::infinity());
  CHECK(numeric::to_double(Exact(1, 10)) == 0.1);
  CHECK(numeric::to_double(Exact(2, 3)) == 2.0 / 3.0);
  CHECK(std::string(numeric::scalar_name<double>()) == "fp64");
  CHECK(std::string(numeric::scalar_name<float>()) == "fp32");
  CHECK(std::string(numeric::scalar_name<Exact>()) == "exact");
  CHECK(numeric::is_exact_v<Exact>);
  CHECK(numeric::is_exact_v<BigInt>);
  CHECK_FALSE(numeric::is_exact_v<double>);
  CHECK(numeric::sign(Exact(-1, 3)) == numeric::Sign::Negative);
  CHECK(numeric::sign(Exact(0)) == numeric::Sign::Zero);
  CHECK(numeric::sign(std::nan("")) == numeric::Sign::Unknown);
  CHECK(numeric::sign(-0.0) == numeric::Sign::Zero);
  CHECK(numeric::to_string(Exact(-2, 6)) == "-1/3");
  CHECK(numeric::from_exact<BigInt>(Exact(12)) == 12);
  CHECK_THROWS_AS(numeric::from_exact<BigInt>(Exact(1, 2)), std::domain_error);
  CHECK(numeric::from_exact<std::int64_t>(Exact(-5)) == -5);
  CHECK(numeric::from_exact<std::int64_t>(Exact(BigInt(std::numeric_limits<std::int64_t>::min()))) ==
        std::numeric_limits<std::int64_t>::min());
  CHECK_THROWS_AS(numeric::from_exact<std::int64_t>(Exact(1, 2)), std::domain_error);
  CHECK_THROWS_AS(numeric::from_exact<std::int64_t>(pow2(63)), std::domain_error);
  CHECK_THROWS_AS(numeric::from_exact<std::int64_t>(-pow2(63) - 1), std::domain_error);
}
