// `parallax scan --device cuda`: the LRNN's recurrence as one scan on the GPU
// (kernels/cuda/api.hpp), with the CPU's sequential run at the same precision
// for comparison, and the same readout and verdict as the CPU path.
//
// Host arrays from the LrnnSpec (the parameters of every step rounded once,
// as models::run_lrnn does):
//   diagonal  diag_scan, one channel per state entry
//   complex   block_scan with 2×2 blocks [[re, −im], [im, re]], d/2 channels
//   pd        pd_scan, one sequence, d ≤ 64
//   dense     block_scan with k = d ≤ 16, one channel
//   dplr      the same, each step's factors multiplied out (LowRankAffine::to_dense)
// bf16 and fp16 (diagonal models): a and b stored as 16-bit patterns of the
// exact parameters correctly rounded to the format, every operation in fp32.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>

#include "cli/device.hpp"
#include "models/lrnn.hpp"
#include "models/model.hpp"
#include "numeric/all.hpp"

namespace parallax::cli {

namespace cuda = kernels::cuda;

kernels::cuda::ScanAlgo parse_scan_algo(const std::string& name) {
  if (name == "layered") return cuda::ScanAlgo::Layered;
  if (name == "cub") return cuda::ScanAlgo::Cub;
  if (name == "sequential") return cuda::ScanAlgo::Sequential;
  throw CliError(kBadInput, fmt::format("--algo '{}': valid values are layered, cub, sequential", name));
}

namespace {

enum class DevPrec { Fp32, Fp64, Bf16, Fp16 };

/// The device precision of a spec, or nothing.
bool device_precision(const numeric::Precision& p, DevPrec& out) {
  using K = numeric::Precision::Kind;
  if (p.kind == K::Fp32) return out = DevPrec::Fp32, true;
  if (p.kind == K::Fp64) return out = DevPrec::Fp64, true;
  if (p.kind == K::Float && p.mantissa == 8 && p.exponent == 8) return out = DevPrec::Bf16, true;
  if (p.kind == K::Float && p.mantissa == 11 && p.exponent == 5) return out = DevPrec::Fp16, true;
  return false;
}

/// The binary16 / bfloat16 bit pattern of q correctly rounded (ties to even,
/// subnormals, overflow to ±inf).
std::uint16_t half_bits(const numeric::Exact& q, cuda::HalfKind kind) {
  if (kind == cuda::HalfKind::Bf16) {
    // the value has 8 significand bits and fp32's exponent range: exact in a
    // float, whose low 16 bits are then zero
    const float f = static_cast<float>(numeric::round_exact_to_binary(q, 8, 8));
    return static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(f) >> 16);
  }
  const double v = numeric::round_exact_to_binary(q, 11, 5);
  const std::uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  const double a = std::fabs(v);
  if (std::isnan(v)) return sign | 0x7e00;
  if (a == 0) return sign;
  int e = 0;
  const double f = std::frexp(a, &e);  // a = f·2^e, f in [1/2, 1)
  const int biased = e + 14;           // a = (2f)·2^(e−1), exponent field e − 1 + 15
  if (std::isinf(a) || biased > 30) return sign | 0x7c00;
  if (biased >= 1) return sign | static_cast<std::uint16_t>(biased << 10) | static_cast<std::uint16_t>(std::ldexp(2 * f - 1, 10));
  return sign | static_cast<std::uint16_t>(std::ldexp(a, 24));  // subnormal: a = mantissa·2^−24
}

/// The value of a bit pattern (for the CPU comparison of a half-precision run).
float half_value(std::uint16_t bits, cuda::HalfKind kind) {
  if (kind == cuda::HalfKind::Bf16) return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
  const int e = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
  const float s = (bits & 0x8000) ? -1.0f : 1.0f;
  if (e == 0x1f) return mant ? NAN : s * INFINITY;
  if (e == 0) return s * std::ldexp(static_cast<float>(mant), -24);
  return s * std::ldexp(static_cast<float>(mant + 1024), e - 25);
}

/// The transition of each step: the alphabet's (tokens) or one per input.
struct Steps {
  std::vector<models::Transition> own;           ///< input-driven: one per step
  std::vector<const models::Transition*> table;  ///< distinct transitions
  std::vector<std::uint32_t> index;              ///< tokens: step → table entry
  std::size_t n = 0;
  std::size_t at(std::size_t t) const { return index.empty() ? t : index[t]; }
};

Steps make_steps(const ScanCudaRun& r) {
  Steps s;
  if (r.real_inputs) {
    s.own.reserve(r.inputs->size());
    for (const auto& x : *r.inputs) s.own.push_back(models::detail::combine(*r.spec, x));
    for (const auto& tr : s.own) s.table.push_back(&tr);
    s.n = r.inputs->size();
  } else {
    for (std::size_t t = 0; t < r.tokens->size(); ++t)
      if ((*r.tokens)[t] >= r.spec->tokens.size())
        throw CliError(kBadInput, fmt::format("token index {} at position {} is outside the alphabet of model '{}'",
                                              (*r.tokens)[t], t, r.spec->name));
    for (const auto& tr : r.spec->tokens) s.table.push_back(&tr);
    s.index = *r.tokens;
    s.n = r.tokens->size();
  }
  return s;
}

struct DeviceOutcome {
  std::vector<double> state;  ///< final state, d entries
  std::string score, verdict;
  std::vector<std::string> shown;
  cuda::Timing timing;
  double cpu_diff = 0;  ///< max |Δ| of the final state against the CPU's sequential run
  double cpu_seconds = 0;
  const char* scalar = "";
};

template <class T>
std::string verdict_of(const models::LrnnSpec& spec, const models::LrnnRun<T>& run) {
  return spec.has_readout() ? models::to_string(models::verdict_of(run.accept)) : "none";
}

template <class T>
void finish(const ScanCudaRun& r, std::vector<T> h, const std::vector<T>& cpu, DeviceOutcome& out) {
  double diff = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const double a = numeric::to_double(h[i]), b = numeric::to_double(cpu[i]);
    if (a != b && !(std::isnan(a) && std::isnan(b))) diff = std::max(diff, std::isfinite(a) && std::isfinite(b) ? std::fabs(a - b) : INFINITY);
  }
  out.cpu_diff = diff;
  for (std::size_t i = 0; i < h.size() && i < r.show_state; ++i) out.shown.push_back(numeric::to_string(h[i]));
  for (const T& v : h) out.state.push_back(numeric::to_double(v));
  const auto run = models::detail::read_out(*r.spec, std::move(h));
  out.score = numeric::to_string(run.score);
  out.verdict = verdict_of(*r.spec, run);
}

/// fp32 / fp64: every structure.
template <class T>
void scan_native(const ScanCudaRun& r, const Steps& st, DeviceOutcome& out) {
  using models::detail::convert;
  const models::LrnnSpec& spec = *r.spec;
  const std::size_t d = spec.d, len = st.n;
  const std::vector<T> h0 = convert<T>(spec.h0);
  std::vector<T> h(d);
  if (len == 0) h = h0;
  switch (spec.structure) {
    case models::Structure::Diagonal: {
      std::vector<std::vector<T>> ta, tb;
      for (const auto* tr : st.table) ta.push_back(convert<T>(tr->a)), tb.push_back(convert<T>(tr->b));
      if (len == 0) break;
      std::vector<T> a(d * len), b(d * len), hs(d * len);
      for (std::size_t t = 0; t < len; ++t) {
        const std::size_t e = st.at(t);
        for (std::size_t c = 0; c < d; ++c) a[c * len + t] = ta[e][c], b[c * len + t] = tb[e][c];
      }
      out.timing = cuda::diag_scan<T>(a.data(), b.data(), h0.data(), d, len, hs.data(), r.algo);
      for (std::size_t c = 0; c < d; ++c) h[c] = hs[c * len + len - 1];
      break;
    }
    case models::Structure::Complex: {
      const std::size_t ch = d / 2;
      std::vector<std::vector<T>> ta, tb;
      for (const auto* tr : st.table) ta.push_back(convert<T>(tr->a)), tb.push_back(convert<T>(tr->b));
      if (len == 0) break;
      std::vector<T> m(ch * len * 4), b(ch * len * 2), hs(ch * len * 2);
      for (std::size_t t = 0; t < len; ++t) {
        const std::size_t e = st.at(t);
        for (std::size_t c = 0; c < ch; ++c) {
          const T re = ta[e][2 * c], im = ta[e][2 * c + 1];
          T* M = &m[(c * len + t) * 4];
          M[0] = re, M[1] = -im, M[2] = im, M[3] = re;
          b[(c * len + t) * 2] = tb[e][2 * c];
          b[(c * len + t) * 2 + 1] = tb[e][2 * c + 1];
        }
      }
      out.timing = cuda::block_scan<T>(2, m.data(), b.data(), h0.data(), ch, len, hs.data(), r.algo);
      for (std::size_t c = 0; c < ch; ++c)
        for (std::size_t i = 0; i < 2; ++i) h[2 * c + i] = hs[(c * len + len - 1) * 2 + i];
      break;
    }
    case models::Structure::PermutationDiagonal: {
      std::vector<std::vector<T>> tD, tb;
      for (const auto* tr : st.table) tD.push_back(convert<T>(tr->a)), tb.push_back(convert<T>(tr->b));
      if (len == 0) break;
      std::vector<std::uint32_t> p(len * d);
      std::vector<T> D(len * d), b(len * d), hs(len * d);
      for (std::size_t t = 0; t < len; ++t) {
        const std::size_t e = st.at(t);
        std::copy(st.table[e]->p.begin(), st.table[e]->p.end(), p.begin() + t * d);
        std::copy(tD[e].begin(), tD[e].end(), D.begin() + t * d);
        std::copy(tb[e].begin(), tb[e].end(), b.begin() + t * d);
      }
      out.timing = cuda::pd_scan<T>(d, p.data(), D.data(), b.data(), h0.data(), 1, len, hs.data(), r.algo);
      std::copy(hs.begin() + (len - 1) * d, hs.end(), h.begin());
      break;
    }
    case models::Structure::Dense:
    case models::Structure::Dplr: {
      std::vector<typename kernels::DenseAffine<T>::element> te;
      if (spec.structure == models::Structure::Dense) {
        for (const auto* tr : st.table) te.push_back({convert<T>(tr->a), convert<T>(tr->b)});
      } else {
        kernels::LowRankAffine<T> lr{d};
        for (const auto* tr : st.table) te.push_back(lr.to_dense(models::detail::lowrank_element<T>(*tr)));
      }
      if (len == 0) break;
      std::vector<T> m(len * d * d), b(len * d), hs(len * d);
      for (std::size_t t = 0; t < len; ++t) {
        const auto& e = te[st.at(t)];
        std::copy(e.A.begin(), e.A.end(), m.begin() + t * d * d);
        std::copy(e.b.begin(), e.b.end(), b.begin() + t * d);
      }
      out.timing = cuda::block_scan<T>(d, m.data(), b.data(), h0.data(), 1, len, hs.data(), r.algo);
      std::copy(hs.begin() + (len - 1) * d, hs.end(), h.begin());
      break;
    }
  }
  // the CPU's sequential run at the same precision
  const auto t0 = std::chrono::steady_clock::now();
  const auto cpu = r.real_inputs ? models::run_lrnn_inputs<T>(spec, *r.inputs, false) : models::run_lrnn<T>(spec, *r.tokens, false);
  out.cpu_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.scalar = numeric::scalar_name<T>();
  finish<T>(r, std::move(h), cpu.h, out);
}

/// bf16 / fp16 storage, fp32 arithmetic: diagonal models only.
void scan_half(const ScanCudaRun& r, const Steps& st, cuda::HalfKind kind, DeviceOutcome& out) {
  const models::LrnnSpec& spec = *r.spec;
  const std::size_t d = spec.d, len = st.n;
  const std::vector<float> h0 = models::detail::convert<float>(spec.h0);
  std::vector<std::vector<std::uint16_t>> ta, tb;
  for (const auto* tr : st.table) {
    ta.emplace_back(), tb.emplace_back();
    for (const auto& q : tr->a) ta.back().push_back(half_bits(q, kind));
    for (const auto& q : tr->b) tb.back().push_back(half_bits(q, kind));
  }
  std::vector<float> h = h0, cpu = h0;
  if (len > 0) {
    std::vector<std::uint16_t> a(d * len), b(d * len);
    std::vector<float> hs(d * len);
    for (std::size_t t = 0; t < len; ++t) {
      const std::size_t e = st.at(t);
      for (std::size_t c = 0; c < d; ++c) a[c * len + t] = ta[e][c], b[c * len + t] = tb[e][c];
    }
    out.timing = cuda::diag_scan_half(a.data(), b.data(), kind, h0.data(), d, len, hs.data(), r.algo);
    for (std::size_t c = 0; c < d; ++c) h[c] = hs[c * len + len - 1];
    // the CPU's sequential run of the same recurrence: the same 16-bit inputs, fp32 arithmetic
    std::vector<std::vector<float>> fa, fb;
    for (std::size_t e = 0; e < ta.size(); ++e) {
      fa.emplace_back(), fb.emplace_back();
      for (auto v : ta[e]) fa.back().push_back(half_value(v, kind));
      for (auto v : tb[e]) fb.back().push_back(half_value(v, kind));
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t t = 0; t < len; ++t) {
      const std::size_t e = st.at(t);
      for (std::size_t c = 0; c < d; ++c) cpu[c] = fa[e][c] * cpu[c] + fb[e][c];
    }
    out.cpu_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  out.scalar = kind == cuda::HalfKind::Bf16 ? "bf16 inputs, fp32 arithmetic" : "fp16 inputs, fp32 arithmetic";
  finish<float>(r, std::move(h), cpu, out);
}

}  // namespace

void check_scan_cuda(const models::LrnnSpec& spec, const numeric::Precision& p, kernels::cuda::ScanAlgo algo) {
  DevPrec dp;
  if (!device_precision(p, dp))
    throw CliError(kBadInput, fmt::format("--precision {}: --device cuda runs fp32 and fp64 (and bf16, fp16 for diagonal "
                                          "models, with fp32 arithmetic)",
                                          p.to_string()));
  const auto structure = models::to_string(spec.structure);
  if ((dp == DevPrec::Bf16 || dp == DevPrec::Fp16) && spec.structure != models::Structure::Diagonal)
    throw CliError(kBadInput, fmt::format("--precision {} on the device is for diagonal models; model '{}' is {} "
                                          "(use fp32 or fp64)",
                                          p.to_string(), spec.name, structure));
  if (algo == cuda::ScanAlgo::Cub && spec.structure != models::Structure::Diagonal)
    throw CliError(kBadInput, fmt::format("--algo cub scans diagonal models only; model '{}' is {} (use layered or "
                                          "sequential)",
                                          spec.name, structure));
  if (spec.structure == models::Structure::PermutationDiagonal && spec.d > 64)
    throw CliError(kBadInput, fmt::format("model '{}': the device's pd scan takes d ≤ 64 (d = {})", spec.name, spec.d));
  if ((spec.structure == models::Structure::Dense || spec.structure == models::Structure::Dplr) && spec.d > 16)
    throw CliError(kBadInput, fmt::format("model '{}': the device scans {} models as one d×d block, d ≤ 16 (d = {})",
                                          spec.name, structure, spec.d));
}

void run_scan_cuda(const ScanCudaRun& r) {
  const models::LrnnSpec& spec = *r.spec;
  check_scan_cuda(spec, r.precision, r.algo);
  require_cuda();
  DevPrec dp = DevPrec::Fp64;
  device_precision(r.precision, dp);
  const Steps st = make_steps(r);
  DeviceOutcome out;
  with_cuda_errors([&] {
    switch (dp) {
      case DevPrec::Fp64: scan_native<double>(r, st, out); break;
      case DevPrec::Fp32: scan_native<float>(r, st, out); break;
      case DevPrec::Bf16: scan_half(r, st, cuda::HalfKind::Bf16, out); break;
      case DevPrec::Fp16: scan_half(r, st, cuda::HalfKind::Fp16, out); break;
    }
  });
  const std::string gpu = cuda::device_status();
  nlohmann::ordered_json rec = {{"model", spec.name},
                                {"structure", models::to_string(spec.structure)},
                                {"d", spec.d},
                                {"n", st.n},
                                {"precision", r.precision.to_string()},
                                {"scalar", out.scalar},
                                {"device", "cuda"},
                                {"algo", cuda::algo_name(r.algo)},
                                {"gpu", gpu},
                                {"score", out.score},
                                {"verdict", out.verdict},
                                {"state", out.shown},
                                {"state_truncated", out.state.size() > r.show_state},
                                {"kernel_ms", out.timing.kernel_ms},
                                {"total_ms", out.timing.total_ms},
                                {"cpu_max_abs_diff", out.cpu_diff},
                                {"cpu_seconds", out.cpu_seconds}};
  if (r.format == Format::Table) {
    fmt::print("model      {} ({}, d = {})\n", spec.name, rec["structure"].get<std::string>(), spec.d);
    fmt::print("input      n = {}\n", st.n);
    fmt::print("precision  {} ({})\n", r.precision.to_string(), out.scalar);
    fmt::print("device     cuda, {} scan: {}\n", cuda::algo_name(r.algo), gpu);
    fmt::print("state      [{}{}]\n", fmt::join(out.shown, ", "),
               out.state.size() > r.show_state ? fmt::format(", … ({} entries)", spec.d) : "");
    fmt::print("score      {}  (<c, h> + c0)\n", out.score);
    fmt::print("verdict    {}\n", out.verdict);
    fmt::print("time       kernels {:.3f} ms, with transfers {:.3f} ms\n", out.timing.kernel_ms, out.timing.total_ms);
    fmt::print("cpu        sequential run at the same precision: {:.6f} s, final state max |Δ| {:.3e}\n", out.cpu_seconds,
               out.cpu_diff);
    return;
  }
  Records rows({"model", "structure", "d", "n", "precision", "scalar", "device", "algo", "score", "verdict", "kernel_ms",
                "total_ms", "cpu_max_abs_diff", "cpu_seconds", "gpu"});
  rows.add(rec);
  rows.print(r.format);
}

}  // namespace parallax::cli
