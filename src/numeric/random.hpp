#pragma once
// splitmix64 (Steele, Lea & Flood, OOPSLA 2014): a fixed, platform-independent
// stream of 64-bit values, for every random choice that must give the same
// result on every machine (the standard distributions are not specified bit
// for bit). Value k of the stream seeded with s is mix(s + (k + 1)·γ), so
// streams can be split and indexed without drawing the values before.
#include <cstddef>
#include <cstdint>

namespace parallax::numeric {

class SplitMix {
 public:
  static constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ULL;

  explicit constexpr SplitMix(std::uint64_t seed) : state_(seed) {}

  /// The finalizer: a bijection of 64-bit values that mixes every input bit.
  static constexpr std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Value `index` (from 0) of the stream seeded with `seed`.
  static constexpr std::uint64_t at(std::uint64_t seed, std::uint64_t index) { return mix(seed + (index + 1) * kGamma); }
  /// The first value of the stream seeded with x: one splitmix64 step, used
  /// to hash seeds into independent ones.
  static constexpr std::uint64_t hash(std::uint64_t x) { return at(x, 0); }

  constexpr std::uint64_t next() { return mix(state_ += kGamma); }
  /// Uniform in [0, 1), 53 random bits.
  constexpr double unit() { return double(next() >> 11) * 0x1.0p-53; }
  /// In [0, n) for n ≥ 1 (next() mod n: a bias below n / 2^64).
  constexpr std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

}  // namespace parallax::numeric
