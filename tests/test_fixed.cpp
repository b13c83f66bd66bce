// Tests for src/numeric: Fixed point against the exact result rounded to nearest even and clamped.
#include "numeric_reference.hpp"

using namespace parallax_test::numeric_ref;
// ===========================================================================
// 6. Fixed point

TEST_CASE("Fixed conversions from Exact round to nearest, ties to even", "[quick][fixed][precision]") {
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

TEST_CASE("Fixed arithmetic rounds ties to even and saturates at both ends", "[quick][fixed][precision]") {
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

TEST_CASE("Fixed operations equal the exact result rounded to nearest even and clamped", "[standard][fixed][precision]") {
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
