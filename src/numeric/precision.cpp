#include "numeric/precision.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace parallax::numeric {

const std::vector<PrecisionForm>& precision_forms() {
  static const std::vector<PrecisionForm> forms = {
      {"fp64", "fp64", "native IEEE 754 double (53-bit significand)"},
      {"fp32", "fp32", "native IEEE 754 float (24-bit significand)"},
      {"bf16", "bf16", "bfloat16, emulated: float:8:8"},
      {"fp16", "fp16", "IEEE half precision, emulated: float:11:5"},
      {"float:M:E", "float:24:8",
       "binary float, M-bit significand (hidden bit included), E-bit exponent; round to nearest even, "
       "subnormals, overflow to inf; E = 0: unbounded exponent"},
      {"fixed:I.F", "fixed:8.8",
       "two's-complement fixed point, I integer bits (sign included), F fraction bits; round to nearest "
       "even, saturating (reported as an event)"},
      {"log:C", "log:2", "float with ceil(C*log2 n) significand bits for input length n (log precision)"},
      {"poly:K", "poly:1",
       fmt::format("float with ceil(n^K) significand bits for input length n (at most {} bits)", kMaxPrecisionBits)},
      {"exact", "exact", "exact rational arithmetic (GMP)"},
      {"interval:M", "interval:53", "certified interval arithmetic (MPFI), M-bit endpoints"},
  };
  return forms;
}

namespace {

[[noreturn]] void fail(std::string_view spec, const std::string& why) {
  std::string forms;
  for (const auto& f : precision_forms()) forms += (forms.empty() ? "" : ", ") + f.syntax;
  throw PrecisionError(fmt::format("invalid precision '{}': {}; valid forms: {}", spec, why, forms));
}

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_positive_real(std::string_view s, double& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out) && out > 0;
}

std::string real_text(double x) { return fmt::format("{}", x); }

}  // namespace

Precision Precision::parse(std::string_view spec) {
  Precision p;
  auto float_format = [&](int M, int E, std::string text) {
    if (M < 2 || M > kMaxPrecisionBits)
      fail(spec, fmt::format("the significand needs 2 to {} bits (hidden bit included)", kMaxPrecisionBits));
    if (E != 0 && (E < 2 || E > kMaxExponentBits))
      fail(spec, fmt::format("the exponent field needs 2 to {} bits, or 0 for unbounded", kMaxExponentBits));
    p.kind = Kind::Float;
    p.mantissa = M;
    p.exponent = E;
    p.text = std::move(text);
  };
  if (spec == "fp64") {
    p.kind = Kind::Fp64, p.mantissa = 53, p.exponent = 11, p.text = "fp64";
  } else if (spec == "fp32") {
    p.kind = Kind::Fp32, p.mantissa = 24, p.exponent = 8, p.text = "fp32";
  } else if (spec == "bf16") {
    float_format(8, 8, "bf16");
  } else if (spec == "fp16") {
    float_format(11, 5, "fp16");
  } else if (spec == "exact") {
    p.kind = Kind::Exact, p.text = "exact";
  } else if (spec.starts_with("float:")) {
    const auto rest = spec.substr(6);
    const auto colon = rest.find(':');
    int M = 0, E = 0;
    if (colon == std::string_view::npos || !parse_int(rest.substr(0, colon), M) || !parse_int(rest.substr(colon + 1), E))
      fail(spec, "expected float:M:E with integers M (significand bits) and E (exponent bits)");
    float_format(M, E, fmt::format("float:{}:{}", M, E));
  } else if (spec.starts_with("fixed:")) {
    const auto rest = spec.substr(6);
    const auto dot = rest.find('.');
    int I = 0, F = 0;
    if (dot == std::string_view::npos || !parse_int(rest.substr(0, dot), I) || !parse_int(rest.substr(dot + 1), F))
      fail(spec, "expected fixed:I.F with integers I (integer bits, sign included) and F (fraction bits)");
    if (I < 1 || F < 0 || I + F > kMaxFixedBits)
      fail(spec, fmt::format("fixed:I.F needs I >= 1, F >= 0 and I + F <= {}", kMaxFixedBits));
    p.kind = Kind::Fixed, p.int_bits = I, p.frac_bits = F, p.text = fmt::format("fixed:{}.{}", I, F);
  } else if (spec.starts_with("log:") || spec.starts_with("poly:")) {
    const bool log = spec.starts_with("log:");
    double c = 0;
    if (!parse_positive_real(spec.substr(log ? 4 : 5), c))
      fail(spec, log ? "expected log:C with a positive number C" : "expected poly:K with a positive number K");
    p.kind = log ? Kind::Log : Kind::Poly;
    p.factor = c;
    p.text = fmt::format("{}:{}", log ? "log" : "poly", real_text(c));
  } else if (spec.starts_with("interval:")) {
    int M = 0;
    if (!parse_int(spec.substr(9), M)) fail(spec, "expected interval:M with an integer M (endpoint bits)");
    if (M < 2 || M > kMaxPrecisionBits) fail(spec, fmt::format("interval endpoints need 2 to {} bits", kMaxPrecisionBits));
    p.kind = Kind::Interval, p.bits = M, p.text = fmt::format("interval:{}", M);
  } else {
    fail(spec, "unknown form");
  }
  return p;
}

Precision Precision::resolve(std::size_t n) const {
  if (resolved()) return *this;
  if (n == 0) n = 1;
  double want;
  if (kind == Kind::Log) {
    want = factor * std::log2(static_cast<double>(n));
  } else {
    want = std::pow(static_cast<double>(n), factor);
  }
  // ceil, forgiving the last-bit error of log2 / pow on exact cases
  const double bits = std::max(2.0, std::ceil(want * (1 - 1e-12)));
  if (bits > kMaxPrecisionBits)
    throw PrecisionError(fmt::format("precision '{}' at input length n = {} asks for {:.0f} significand bits, above "
                                     "the cap of {} bits (kMaxPrecisionBits)",
                                     text, n, std::min(bits, 1e18), kMaxPrecisionBits));
  Precision r;
  r.kind = Kind::Float;
  r.mantissa = static_cast<int>(bits);
  r.exponent = 0;
  r.text = fmt::format("float:{}:0", r.mantissa);
  return r;
}

int Precision::significand_bits() const {
  switch (kind) {
    case Kind::Fp64:
    case Kind::Fp32:
    case Kind::Float: return mantissa;
    case Kind::Interval: return bits;
    default: return 0;
  }
}

std::string describe(const Precision& p) {
  switch (p.kind) {
    case Precision::Kind::Fp64: return "native double";
    case Precision::Kind::Fp32: return "native float";
    case Precision::Kind::Float:
      if (p.exponent == 0) return fmt::format("binary float, {}-bit significand, unbounded exponent", p.mantissa);
      return fmt::format("binary float, {}-bit significand, {}-bit exponent", p.mantissa, p.exponent);
    case Precision::Kind::Fixed:
      return fmt::format("fixed point, {} integer bits (sign included), {} fraction bits, saturating", p.int_bits,
                         p.frac_bits);
    case Precision::Kind::Log: return fmt::format("float with ceil({}*log2 n) significand bits", real_text(p.factor));
    case Precision::Kind::Poly: return fmt::format("float with ceil(n^{}) significand bits", real_text(p.factor));
    case Precision::Kind::Exact: return "exact rationals";
    case Precision::Kind::Interval: return fmt::format("interval arithmetic, {}-bit endpoints", p.bits);
  }
  return "";
}

}  // namespace parallax::numeric
