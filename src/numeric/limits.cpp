#include "numeric/limits.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace parallax::limits {

void check_count(std::uint64_t value, std::uint64_t max, std::string_view what) {
  if (value > max)
    throw LimitError(value == std::numeric_limits<std::uint64_t>::max()
                         ? fmt::format("{} is 2^64 - 1 or more, above the limit of {} (docs/limits.md)", what, max)
                         : fmt::format("{} is {}, above the limit of {} (docs/limits.md)", what, value, max));
}

namespace {

std::uint64_t parse_size(std::string_view text) {
  std::uint64_t v = 0;
  std::size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    if (v > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) throw LimitError("");
    v = v * 10 + std::uint64_t(text[i] - '0');
  }
  if (i == 0) throw LimitError("");
  std::uint64_t scale = 1;
  if (i < text.size()) {
    switch (std::toupper(static_cast<unsigned char>(text[i]))) {
      case 'K': scale = std::uint64_t(1) << 10; break;
      case 'M': scale = std::uint64_t(1) << 20; break;
      case 'G': scale = std::uint64_t(1) << 30; break;
      case 'T': scale = std::uint64_t(1) << 40; break;
      default: throw LimitError("");
    }
    if (i + 1 != text.size()) throw LimitError("");
  }
  return mul(v, scale);
}

}  // namespace

std::uint64_t memory_limit() {
  if (const char* env = std::getenv("PARALLAX_MEMORY_LIMIT"); env && *env) {
    try {
      return parse_size(env);
    } catch (const LimitError&) {
      throw LimitError(fmt::format("PARALLAX_MEMORY_LIMIT='{}' is not a size in bytes (e.g. 64G, 512M or 1000000)", env));
    }
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return std::uint64_t(8) << 30;
  return mul(std::uint64_t(pages), std::uint64_t(page)) / 4 * 3;
}

void check_memory(std::uint64_t bytes, std::string_view what) {
  const std::uint64_t limit = memory_limit();
  if (bytes > limit)
    throw LimitError(fmt::format("{} needs about {}, more than the memory limit of {} (3/4 of this machine's memory; "
                                 "set PARALLAX_MEMORY_LIMIT, e.g. PARALLAX_MEMORY_LIMIT=64G, to change it; docs/limits.md)",
                                 what, bytes_text(bytes), bytes_text(limit)));
}

std::string bytes_text(std::uint64_t bytes) {
  if (bytes == std::numeric_limits<std::uint64_t>::max()) return "more than 16 EiB";
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 6) v /= 1024, ++u;
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace parallax::limits
