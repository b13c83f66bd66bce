// Tests of the closed scalar interface: every scalar type satisfies
// numeric::Scalar and every operator the kernels' concepts (checked at compile
// time: a type that drops a member breaks this file's build), the
// capabilities that follow from ScalarTraits<T>::arithmetic, from_double, and
// Status::events.
#include <string>
#include <vector>

#include "kernels/operators.hpp"
#include "kernels/scan.hpp"
#include "numeric/autodiff.hpp"
#include "numeric_reference.hpp"

using namespace parallax_test::numeric_ref;
using numeric::Arithmetic;

namespace {

template <class T>
constexpr bool scalar_with(Arithmetic a) {
  return numeric::Scalar<T> && numeric::ScalarTraits<T>::arithmetic == a;
}
static_assert(scalar_with<double>(Arithmetic::Float));
static_assert(scalar_with<float>(Arithmetic::Float));
static_assert(scalar_with<EmuFloat>(Arithmetic::Float));
static_assert(scalar_with<BigFloat>(Arithmetic::Float));
static_assert(scalar_with<Fixed>(Arithmetic::Fixed));
static_assert(scalar_with<Exact>(Arithmetic::Exact));
static_assert(scalar_with<BigInt>(Arithmetic::Exact));
static_assert(scalar_with<std::int64_t>(Arithmetic::Exact));
static_assert(scalar_with<Interval>(Arithmetic::Interval));
static_assert(scalar_with<numeric::Dual<double>>(Arithmetic::Float));
static_assert(scalar_with<numeric::Var<EmuFloat>>(Arithmetic::Float));
// no ScalarTraits, or no arithmetic
static_assert(!numeric::Scalar<int>);
static_assert(!numeric::Scalar<std::string>);
static_assert(!numeric::Scalar<numeric::Sign>);

// capabilities
static_assert(numeric::is_exact_v<Exact> && numeric::is_exact_v<BigInt> && numeric::is_exact_v<std::int64_t>);
static_assert(!numeric::is_exact_v<double> && !numeric::is_exact_v<Fixed> && !numeric::is_exact_v<Interval>);
static_assert(numeric::has_elementary_v<double> && numeric::has_elementary_v<float> &&
              numeric::has_elementary_v<EmuFloat> && numeric::has_elementary_v<BigFloat>);
static_assert(!numeric::has_elementary_v<Interval> && !numeric::has_elementary_v<Fixed> &&
              !numeric::has_elementary_v<Exact>);
static_assert(numeric::has_exp_sqrt_v<Interval> && numeric::has_exp_sqrt_v<EmuFloat>);
static_assert(!numeric::has_exp_sqrt_v<Fixed> && !numeric::has_exp_sqrt_v<Exact>);
static_assert(numeric::is_enclosure_v<Interval>);
static_assert(!numeric::is_enclosure_v<double> && !numeric::is_enclosure_v<EmuFloat> && !numeric::is_enclosure_v<BigFloat> &&
              !numeric::is_enclosure_v<Fixed> && !numeric::is_enclosure_v<Exact>);
static_assert(numeric::is_native_float_v<double> && numeric::is_native_float_v<float>);
static_assert(!numeric::is_native_float_v<EmuFloat> && !numeric::is_native_float_v<BigFloat> &&
              !numeric::is_native_float_v<Interval> && !numeric::is_native_float_v<std::int64_t>);

// operators
template <class T>
constexpr bool every_operator_over() {
  using namespace parallax::kernels;
  return AffineOperator<ScalarAffine<T>> && AffineOperator<DiagAffine<T>> && AffineOperator<BlockDiagAffine<T>> &&
         AffineOperator<PDAffine<T>> && AffineOperator<DenseAffine<T>> && StateAction<LowRankAffine<T>> &&
         !ScanOperator<LowRankAffine<T>>;  // DPLR maps have no composition
}
static_assert(every_operator_over<double>());
static_assert(every_operator_over<float>());
static_assert(every_operator_over<EmuFloat>());
static_assert(every_operator_over<BigFloat>());
static_assert(every_operator_over<Fixed>());
static_assert(every_operator_over<Exact>());
static_assert(every_operator_over<BigInt>());
static_assert(every_operator_over<std::int64_t>());
static_assert(every_operator_over<Interval>());

inline auto concat = [](const std::string& a, const std::string& b) { return a + b; };
using Concat = kernels::Monoid<std::string, decltype(concat)>;
static_assert(kernels::ScanOperator<Concat> && !kernels::StateAction<Concat>);  // a monoid without an action
static_assert(!kernels::ScanOperator<int> && !kernels::AffineOperator<Exact>);

// the operators accept scalars only
template <class T>
concept has_scalar_affine = requires { typename kernels::ScalarAffine<T>; };
static_assert(has_scalar_affine<Exact> && !has_scalar_affine<std::string> && !has_scalar_affine<int>);

}  // namespace

TEST_CASE("scalar interface: every scalar type and operator satisfies its concept", "[quick][precision]") {
  // the static_asserts above are the test; these lines keep it in the quick run
  CHECK(numeric::Scalar<Fixed>);
  CHECK(numeric::Scalar<Interval>);
  CHECK(kernels::AffineOperator<kernels::PDAffine<EmuFloat>>);
  CHECK_FALSE(kernels::ScanOperator<kernels::LowRankAffine<double>>);
}

TEST_CASE("scalar interface: from_double rounds as from_exact of the same value", "[quick][precision]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mag(-40, 40);
  std::vector<double> values{0.0, -0.0, 1.0, -1.5, 0.1, 1e-30, -3e20, 65504.0, 65520.0, 1e300};
  for (int i = 0; i < 500; ++i) values.push_back((rng() & 1 ? -1 : 1) * std::ldexp(1.0 + (rng() % 1000000) / 1e6, int(mag(rng))));
  for (const char* spec : {"fp16", "bf16", "float:5:3", "float:40:9"}) {
    Status a, b;
    Context ca = ctx_for(spec, &a), cb = ctx_for(spec, &b);
    for (double v : values) {
      INFO(spec << " " << v);
      double got, want;
      {
        ContextGuard g(ca);
        got = numeric::from_double<EmuFloat>(v).v;
      }
      {
        ContextGuard g(cb);
        want = numeric::from_exact<EmuFloat>(Exact(v)).v;
      }
      CHECK(((got == want && std::signbit(got) == std::signbit(want)) || (got == 0 && want == 0)));
    }
    CHECK(a.overflow == b.overflow);
    CHECK(a.underflow == b.underflow);
  }
  CHECK(numeric::from_double<double>(0.1) == 0.1);
  CHECK(numeric::from_double<float>(0.1) == 0.1f);
  CHECK(numeric::from_double<Exact>(0.5) == Exact(1, 2));
  CHECK(numeric::from_double<numeric::Dual<double>>(2.5).v == 2.5);
  CHECK(numeric::from_double<numeric::Dual<double>>(2.5).d == 0.0);
  Status st;
  ContextGuard g(ctx_for("fixed:4.4", &st));
  CHECK(numeric::from_double<Fixed>(1.53125).raw == 24);  // 24.5 ulp, ties to even
  CHECK_FALSE(st.saturated);
  CHECK(numeric::from_double<Fixed>(100.0).raw == 127);
  CHECK(st.saturated);
}

// every type numeric::dispatch chooses: fp64, fp32, EmuFloat, BigFloat, Fixed, Exact, Interval
const char* const kEveryDispatched[] = {"fp64", "fp32", "float:11:5", "float:80:15", "fixed:8.8", "exact", "interval:64"};

TEST_CASE("scalar interface: square, relu and is_finite for every dispatched type", "[quick][precision]") {
  std::vector<std::string> names;
  for (const char* spec : kEveryDispatched) {
    INFO(spec);
    numeric::dispatch(Precision::parse(spec), [&](auto tag) {
      using T = typename decltype(tag)::type;
      names.push_back(numeric::scalar_name<T>());
      const T neg = numeric::from_double<T>(-1.5), pos = numeric::from_double<T>(0.75), zero = numeric::zero<T>();
      CHECK(numeric::to_double(numeric::square(neg)) == 2.25);
      CHECK(numeric::sign(numeric::square(neg)) == numeric::Sign::Positive);
      CHECK(numeric::sign(numeric::relu(neg)) == numeric::Sign::Zero);
      CHECK(numeric::to_double(numeric::relu(pos)) == 0.75);
      CHECK(numeric::sign(numeric::relu(zero)) == numeric::Sign::Zero);
      CHECK(numeric::is_finite(neg));
    });
  }
  CHECK(names == std::vector<std::string>{"fp64", "fp32", "emufloat", "bigfloat", "fixed", "exact", "interval"});
}

TEST_CASE("scalar interface: is_finite is false for ±inf and NaN of every float type and of intervals", "[quick][precision]") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(numeric::is_finite(inf));
  CHECK_FALSE(numeric::is_finite(-inf));
  CHECK_FALSE(numeric::is_finite(nan));
  CHECK_FALSE(numeric::is_finite(static_cast<float>(inf)));
  CHECK_FALSE(numeric::is_finite(static_cast<float>(nan)));
  CHECK(numeric::is_finite(std::numeric_limits<float>::max()));
  CHECK_FALSE(numeric::is_finite(EmuFloat::raw(inf)));
  CHECK_FALSE(numeric::is_finite(EmuFloat::raw(nan)));
  CHECK(numeric::is_finite(EmuFloat::raw(65504.0)));
  for (const char* spec : {"float:11:5", "float:80:15", "interval:64"}) {
    INFO(spec);
    numeric::dispatch(Precision::parse(spec), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (numeric::has_exp_sqrt_v<T>) {  // the types these specs dispatch to
        const T one = numeric::one<T>(), zero = numeric::zero<T>();
        CHECK_FALSE(numeric::is_finite(T(one / zero)));   // ±inf, or an unbounded interval
        CHECK_FALSE(numeric::is_finite(T(zero / zero)));  // NaN
        CHECK(numeric::is_finite(T(one / numeric::from_int<T>(3))));
      }
    });
  }
  {
    ContextGuard g(ctx_for("fixed:4.4"));
    CHECK(numeric::is_finite(numeric::from_double<Fixed>(1e300)));  // saturates instead
  }
  CHECK(numeric::is_finite(Exact(1, 3)));
  CHECK(numeric::is_finite(BigInt(BigInt(1) << 4000)));
}

TEST_CASE("scalar interface: intervals square and relu to enclosures of the function, not of x·x", "[quick][precision]") {
  ContextGuard g(ctx_for("interval:64"));
  Interval x;
  mpfi_interv_si(x.get(), -1, 2);  // [−1, 2] straddles 0
  const Interval sq = numeric::square(x), product = x * x;
  CHECK(sq.lower() == 0.0);
  CHECK(sq.upper() == 4.0);
  CHECK(product.lower() == -2.0);  // what x·x encloses: too much
  CHECK(numeric::sign(sq) == numeric::Sign::Unknown);
  const Interval r = numeric::relu(x);
  CHECK(r.lower() == 0.0);
  CHECK(r.upper() == 2.0);
  Interval below, above;
  mpfi_interv_si(below.get(), -3, -1);
  mpfi_interv_si(above.get(), 1, 2);
  CHECK(numeric::sign(numeric::relu(below)) == numeric::Sign::Zero);
  CHECK(numeric::relu(above) == above);
  CHECK(numeric::square(below).lower() == 1.0);
  CHECK(numeric::square(below).upper() == 9.0);
}

TEST_CASE("scalar interface: note_non_finite raises the flags for native floats only", "[quick][precision]") {
  for (const char* spec : kEveryDispatched) {
    INFO(spec);
    Status st;
    numeric::dispatch(
        Precision::parse(spec),
        [&](auto tag) {
          using T = typename decltype(tag)::type;
          numeric::note_non_finite(numeric::from_double<T>(1.0));
          CHECK(st.events().empty());
          if constexpr (numeric::has_elementary_v<T>) {  // the float types: ±inf and NaN
            const T one = numeric::one<T>(), zero = numeric::zero<T>();
            const T inf = one / zero, nan = zero / zero;
            st.clear();  // an emulated division notes its own events
            numeric::note_non_finite(inf);
            CHECK(st.overflow == numeric::is_native_float_v<T>);
            CHECK_FALSE(st.invalid);
            numeric::note_non_finite(nan);
            CHECK(st.invalid == numeric::is_native_float_v<T>);
            CHECK(numeric::sign(numeric::relu(nan)) == numeric::Sign::Zero);  // NaN → 0
          }
        },
        &st);
  }
}

TEST_CASE("scalar interface: Status::events names the raised flags in one order", "[quick][precision]") {
  Status st;
  CHECK(st.events().empty());
  st.invalid = true;
  st.saturated = true;
  CHECK(st.events() == std::vector<std::string>{"saturated", "invalid"});
  st.overflow = true;
  st.underflow = true;
  CHECK(st.events() == std::vector<std::string>{"saturated", "overflow", "underflow", "invalid"});
  st.clear();
  CHECK(st.events().empty());
}
