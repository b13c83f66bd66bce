#include "numeric/exact.hpp"

#include "numeric/limits.hpp"

#include <cctype>
#include <stdexcept>
#include <string>

namespace parallax::numeric {

namespace {
[[noreturn]] void bad(std::string_view text, const std::string& why) {
  const std::string shown = text.size() > 64 ? std::string(text.substr(0, 64)) + "…" : std::string(text);
  throw std::invalid_argument("'" + shown + "' is not an exact number (" + why +
                              "); expected an integer, a fraction p/q or a decimal like -1.25e-3");
}

[[noreturn]] void too_long(std::string_view text) {
  bad(text, "more than " + std::to_string(limits::kMaxExactDigits) + " decimal digits, exponent included (docs/limits.md)");
}

/// A non-negative decimal integer from its digits (always base 10: a leading
/// zero is not an octal prefix).
BigInt decimal(std::string_view digits) {
  BigInt z;
  mpz_set_str(z.backend().data(), std::string(digits).c_str(), 10);
  return z;
}

BigInt power_of_ten(unsigned long e) {
  BigInt z;
  mpz_ui_pow_ui(z.backend().data(), 10, e);
  return z;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}
}  // namespace

Exact parse_exact(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) bad(text, "empty");
  bool neg = false;
  if (s.front() == '+' || s.front() == '-') {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  Exact value;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    auto num = s.substr(0, slash), den = s.substr(slash + 1);
    if (!all_digits(num) || !all_digits(den)) bad(text, "a fraction needs digits on both sides of '/'");
    if (num.size() + den.size() > limits::kMaxExactDigits) too_long(text);
    const BigInt n = decimal(num), d = decimal(den);
    if (d == 0) bad(text, "zero denominator");
    value = Exact(n, d);
  } else {
    std::string_view mant = s, expo;
    if (auto e = s.find_first_of("eE"); e != std::string_view::npos) {
      mant = s.substr(0, e);
      expo = s.substr(e + 1);
    }
    std::string_view ip = mant, fp;
    if (auto dot = mant.find('.'); dot != std::string_view::npos) {
      ip = mant.substr(0, dot);
      fp = mant.substr(dot + 1);
    }
    if (ip.empty() && fp.empty()) bad(text, "no digits");
    if ((!ip.empty() && !all_digits(ip)) || (!fp.empty() && !all_digits(fp))) bad(text, "unexpected character");
    long long e10 = 0;
    if (mant.size() != s.size()) {
      bool eneg = false;
      if (!expo.empty() && (expo.front() == '+' || expo.front() == '-')) {
        eneg = expo.front() == '-';
        expo.remove_prefix(1);
      }
      if (!all_digits(expo) || expo.size() > 6) bad(text, "bad exponent");
      e10 = std::stoll(std::string(expo));
      if (eneg) e10 = -e10;
    }
    if (ip.size() + fp.size() + std::uint64_t(e10 < 0 ? -e10 : e10) > limits::kMaxExactDigits) too_long(text);
    const BigInt digits = decimal(std::string(ip.empty() ? "0" : ip) + std::string(fp));
    e10 -= static_cast<long long>(fp.size());
    const BigInt p10 = power_of_ten(static_cast<unsigned long>(e10 < 0 ? -e10 : e10));
    value = e10 >= 0 ? Exact(digits * p10) : Exact(digits, p10);
  }
  return neg ? Exact(-value) : value;
}

}  // namespace parallax::numeric
