// Tests for src/numeric: Exact rationals: parsing and the native and exact scalar traits.
#include "numeric_reference.hpp"

using namespace parallax_test::numeric_ref;
// ===========================================================================
// Exact and the native scalar traits

TEST_CASE("parse_exact reads integers, fractions and decimals exactly", "[quick][exact]") {
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

TEST_CASE("native and exact scalar traits", "[quick][exact]") {
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
