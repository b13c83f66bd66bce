// Tests for src/numeric: Interval (MPFI) enclosures of the exact result.
#include "numeric_reference.hpp"

using namespace parallax_test::numeric_ref;
// ===========================================================================
// 7. Interval

TEST_CASE("Interval results contain the exact result of random expressions", "[standard][interval][precision]") {
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

TEST_CASE("Interval width shrinks with more endpoint bits", "[quick][interval][precision]") {
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

TEST_CASE("Interval basics: conversions, sign, endpoints", "[quick][interval][precision]") {
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
