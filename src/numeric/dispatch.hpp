#pragma once
// The single point where a runtime Precision becomes a compile-time scalar
// type. dispatch(p, f) installs p's format in the calling thread's Context
// (with `status` receiving saturation / overflow / underflow events) and calls
// f(Tag<T>{}) for the matching T:
//
//   fp64 → double          fp32 → float
//   float:M:E, M ≤ 53, 2 ≤ E ≤ 11 (bf16, fp16, …) → EmuFloat
//   other float:M:E, resolved log:C / poly:K      → BigFloat
//   fixed:I.F → Fixed      exact → Exact           interval:M → Interval
//
// f is typically a generic lambda calling one algorithm template, so no
// algorithm is written twice for two number types. log:C and poly:K must be
// resolved first (Precision::resolve); dispatching them throws PrecisionError.
//
// dispatch_native(p, f) is the same choice for hardware with native formats
// only (the CUDA backend): fp64 → double, fp32 → float, bf16 → Bf16 and
// fp16 → Fp16 (16-bit storage formats, numeric/half.hpp); it installs no
// Context, because nothing is emulated.
#include "numeric/all.hpp"
#include "numeric/half.hpp"

namespace parallax::numeric {

/// The Context that dispatch installs for p.
Context context_for(const Precision& p, Status* status = nullptr);

template <class F>
decltype(auto) dispatch(const Precision& p, F&& f, Status* status = nullptr) {
  ContextGuard guard(context_for(p, status));
  switch (p.kind) {
    case Precision::Kind::Fp64: return f(Tag<double>{});
    case Precision::Kind::Fp32: return f(Tag<float>{});
    case Precision::Kind::Float:
      if (p.mantissa <= 53 && p.exponent >= 2 && p.exponent <= 11) return f(Tag<EmuFloat>{});
      return f(Tag<BigFloat>{});
    case Precision::Kind::Fixed: return f(Tag<Fixed>{});
    case Precision::Kind::Exact: return f(Tag<Exact>{});
    case Precision::Kind::Interval: return f(Tag<Interval>{});
    default: break;
  }
  throw PrecisionError("precision '" + p.to_string() + "' depends on the input length and must be resolved first");
}

/// Calls f(Tag<T>{}) for T = double, float, Bf16 or Fp16 and returns true;
/// returns false, calling nothing, for every other precision.
template <class F>
bool dispatch_native(const Precision& p, F&& f) {
  using K = Precision::Kind;
  const auto is = [&p]<class H>(Tag<H>) {
    return p.kind == K::Float && p.mantissa == H::mantissa && p.exponent == H::exponent;
  };
  if (p.kind == K::Fp64) return f(Tag<double>{}), true;
  if (p.kind == K::Fp32) return f(Tag<float>{}), true;
  if (is(Tag<Bf16>{})) return f(Tag<Bf16>{}), true;
  if (is(Tag<Fp16>{})) return f(Tag<Fp16>{}), true;
  return false;
}

}  // namespace parallax::numeric
