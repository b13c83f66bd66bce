// Tests for src/numeric: BigFloat (MPFR-backed floats of any width) against MPFR and EmuFloat.
#include "numeric_reference.hpp"

using namespace parallax_test::numeric_ref;
// ===========================================================================
// 5. BigFloat

TEST_CASE("BigFloat at float:100:0 rounds like MPFR at 100 bits", "[quick][big-float][precision]") {
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

TEST_CASE("BigFloat operations at 100 and 300 bits are correctly rounded", "[standard][big-float][precision]") {
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

TEST_CASE("BigFloat at float:24:8 and float:53:11 equals EmuFloat", "[standard][big-float][precision]") {
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

TEST_CASE("BigFloat with a bounded exponent: subnormals and overflow", "[quick][big-float][precision]") {
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
