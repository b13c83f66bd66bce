// Tests for src/numeric: EmuFloat (float:M:E, fp16, bf16) against native float / double, the exact result rounded, and brute force.
#include "numeric_reference.hpp"

using namespace parallax_test::numeric_ref;
// ===========================================================================
// 2. EmuFloat against native float / double

TEST_CASE("float:24:8 equals native float bit for bit", "[standard][emu-float][precision]") {
  compare_with_native<float>("float:24:8", 100000, 0x5eed24);
}

TEST_CASE("float:53:11 equals native double bit for bit", "[standard][emu-float][precision]") {
  compare_with_native<double>("float:53:11", 100000, 0x5eed53);
}

TEST_CASE("float:24:8 and float:53:11 agree with native on a quick sample", "[quick][emu-float][precision]") {
  compare_with_native<float>("float:24:8", 3000, 11);
  compare_with_native<double>("float:53:11", 3000, 12);
}

// ===========================================================================
// 3. EmuFloat against the exact result, and brute force on tiny formats

TEST_CASE("ref_round (the test's own reference) agrees with native conversions", "[quick][emu-float][precision]") {
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

TEST_CASE("fp16 and bf16 operations equal the exact result rounded", "[standard][emu-float][precision]") {
  compare_with_exact("fp16", 11, 5, 30000, 1601);
  compare_with_exact("bf16", 8, 8, 30000, 1602);
  compare_with_exact("float:11:5", 11, 5, 5000, 1603);
}

TEST_CASE("assorted EmuFloat formats equal the exact result rounded on both code paths", "[standard][emu-float][precision]") {
  // fast path (M ≤ 25, E ≤ 10) and MPFR path formats
  for (const char* spec : {"float:2:2", "float:3:3", "float:5:4", "float:12:6", "float:24:8", "float:25:10",
                           "float:26:10", "float:25:11", "float:30:9", "float:53:11", "float:40:11"}) {
    const Precision p = Precision::parse(spec);
    compare_with_exact(spec, p.mantissa, p.exponent, 2000, std::hash<std::string>{}(spec));
  }
}

TEST_CASE("fp16 and bf16 equal the exact result rounded (quick sample)", "[quick][emu-float][precision]") {
  compare_with_exact("fp16", 11, 5, 1000, 7);
  compare_with_exact("bf16", 8, 8, 1000, 8);
}

TEST_CASE("float:4:3 brute force: every pair of values, + - * / and fma", "[standard][emu-float][precision]") {
  brute_force(4, 3, true);
}

TEST_CASE("float:3:2, float:5:3 and float:2:3 brute force: every pair of values, + - * /", "[quick][emu-float][precision]") {
  brute_force(3, 2, false);
  brute_force(5, 3, false);
  brute_force(2, 3, false);
}

TEST_CASE("float:4:3 brute force without fma", "[quick][emu-float][precision]") { brute_force(4, 3, false); }

// ===========================================================================
// 4. Specific cases

TEST_CASE("fp32 emulation rounds ties to even", "[quick][emu-float][precision]") {
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

TEST_CASE("fp16 subnormals, underflow and overflow", "[quick][emu-float][precision]") {
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

TEST_CASE("EmuFloat conversions flag overflow and underflow", "[quick][emu-float][precision]") {
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

TEST_CASE("bf16 rounding and range", "[quick][emu-float][precision]") {
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

TEST_CASE("EmuFloat fast path and MPFR path agree on random formats, flags included", "[standard][emu-float][precision]") {
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

TEST_CASE("EmuFloat division by zero is reported the same way on both code paths", "[quick][emu-float][precision]") {
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

TEST_CASE("EmuFloat underflow flag: a result that rounds up to the smallest normal", "[quick][emu-float][precision]") {
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

TEST_CASE("EmuFloat traits", "[quick][emu-float][precision]") {
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
