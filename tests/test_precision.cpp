// Tests for src/numeric: Precision specs, the dispatch from a spec to its scalar type, and the numeric context.
#include "numeric_reference.hpp"

using namespace parallax_test::numeric_ref;
// ===========================================================================
// 1. Precision specs

TEST_CASE("Precision parses every form and round-trips its canonical text", "[quick][precision]") {
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

TEST_CASE("Every listed precision form's example parses to itself", "[quick][precision]") {
  const auto& forms = numeric::precision_forms();
  REQUIRE(forms.size() == 10);
  for (const auto& f : forms) {
    INFO(f.syntax);
    CHECK(Precision::parse(f.example).to_string() == f.example);
    CHECK_FALSE(f.description.empty());
  }
}

TEST_CASE("Malformed precision specs throw PrecisionError naming the spec and the forms", "[quick][errors][precision]") {
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

TEST_CASE("log:C and poly:K resolve against the input length and respect the cap", "[quick][precision]") {
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
// 8. dispatch and the context

TEST_CASE("dispatch maps each precision to its scalar type and installs its format", "[quick][precision]") {
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

TEST_CASE("dispatch of an unresolved spec throws, and the context is always restored", "[quick][precision]") {
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

TEST_CASE("context_for sets the format of each kind", "[quick][precision]") {
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
