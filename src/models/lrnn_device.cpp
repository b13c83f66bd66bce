// LRNN scans on the CUDA device (lrnn_device.hpp).
#include "models/lrnn_device.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "numeric/dispatch.hpp"

namespace parallax::models {

namespace cuda = kernels::cuda;

namespace {

/// The transition of each step: the alphabet's (tokens) or one per input.
struct Steps {
  const std::vector<std::uint32_t>* tokens = nullptr;  ///< the input: tokens …
  const std::vector<std::vector<Exact>>* inputs = nullptr;  ///< … or real-valued vectors
  std::vector<Transition> own;           ///< input-driven: one per step
  std::vector<const Transition*> table;  ///< distinct transitions
  std::size_t n = 0;
  std::size_t at(std::size_t t) const { return tokens ? (*tokens)[t] : t; }
};

/// The CPU's sequential run of the same model at the same precision.
template <class T>
LrnnRun<T> run_cpu(const LrnnSpec& spec, const Steps& st) {
  return st.tokens ? run_lrnn<T>(spec, *st.tokens, false) : run_lrnn_inputs<T>(spec, *st.inputs, false);
}

template <class T>
void finish(const LrnnSpec& spec, std::vector<T> h, const std::vector<T>& cpu, DeviceScanRun& out) {
  double diff = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const double a = numeric::to_double(h[i]), b = numeric::to_double(cpu[i]);
    if (a != b && !(std::isnan(a) && std::isnan(b))) diff = std::max(diff, std::isfinite(a) && std::isfinite(b) ? std::fabs(a - b) : INFINITY);
  }
  out.cpu_max_abs_diff = diff;
  for (const T& v : h) out.h.push_back(numeric::to_string(v));
  const auto run = detail::read_out(spec, std::move(h));
  out.score = numeric::to_string(run.score);
  out.accept = run.accept;
}

/// fp32 / fp64: every structure.
template <class T>
void scan_native(const LrnnSpec& spec, const Steps& st, cuda::ScanAlgo algo, DeviceScanRun& out) {
  using detail::convert;
  const std::size_t d = spec.d, len = st.n;
  const std::vector<T> h0 = convert<T>(spec.h0);
  std::vector<T> h(d);
  if (len == 0) h = h0;
  switch (spec.structure) {
    case Structure::Diagonal: {
      std::vector<std::vector<T>> ta, tb;
      for (const auto* tr : st.table) ta.push_back(convert<T>(tr->a)), tb.push_back(convert<T>(tr->b));
      if (len == 0) break;
      std::vector<T> a(d * len), b(d * len), hs(d * len);
      for (std::size_t t = 0; t < len; ++t) {
        const std::size_t e = st.at(t);
        for (std::size_t c = 0; c < d; ++c) a[c * len + t] = ta[e][c], b[c * len + t] = tb[e][c];
      }
      out.timing = cuda::diag_scan<T>(a.data(), b.data(), h0.data(), d, len, hs.data(), algo);
      for (std::size_t c = 0; c < d; ++c) h[c] = hs[c * len + len - 1];
      break;
    }
    case Structure::Complex: {
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
      out.timing = cuda::block_scan<T>(2, m.data(), b.data(), h0.data(), ch, len, hs.data(), algo);
      for (std::size_t c = 0; c < ch; ++c)
        for (std::size_t i = 0; i < 2; ++i) h[2 * c + i] = hs[(c * len + len - 1) * 2 + i];
      break;
    }
    case Structure::PermutationDiagonal: {
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
      out.timing = cuda::pd_scan<T>(d, p.data(), D.data(), b.data(), h0.data(), 1, len, hs.data(), algo);
      std::copy(hs.begin() + (len - 1) * d, hs.end(), h.begin());
      break;
    }
    case Structure::Dense:
    case Structure::Dplr: {
      std::vector<typename kernels::DenseAffine<T>::element> te;
      if (spec.structure == Structure::Dense) {
        for (const auto* tr : st.table) te.push_back({convert<T>(tr->a), convert<T>(tr->b)});
      } else {
        kernels::LowRankAffine<T> lr{d};
        for (const auto* tr : st.table) te.push_back(lr.to_dense(detail::lowrank_element<T>(*tr)));
      }
      if (len == 0) break;
      std::vector<T> m(len * d * d), b(len * d), hs(len * d);
      for (std::size_t t = 0; t < len; ++t) {
        const auto& e = te[st.at(t)];
        std::copy(e.A.begin(), e.A.end(), m.begin() + t * d * d);
        std::copy(e.b.begin(), e.b.end(), b.begin() + t * d);
      }
      out.timing = cuda::block_scan<T>(d, m.data(), b.data(), h0.data(), 1, len, hs.data(), algo);
      std::copy(hs.begin() + (len - 1) * d, hs.end(), h.begin());
      break;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto cpu = run_cpu<T>(spec, st);
  out.cpu_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.scalar = numeric::scalar_name<T>();
  finish<T>(spec, std::move(h), cpu.h, out);
}

/// bf16 / fp16 storage (H), fp32 arithmetic: diagonal models only.
template <class H>
void scan_half(const LrnnSpec& spec, const Steps& st, cuda::ScanAlgo algo, DeviceScanRun& out) {
  constexpr bool bf16 = std::is_same_v<H, numeric::Bf16>;
  constexpr cuda::HalfKind kind = bf16 ? cuda::HalfKind::Bf16 : cuda::HalfKind::Fp16;
  const std::size_t d = spec.d, len = st.n;
  const std::vector<float> h0 = detail::convert<float>(spec.h0);
  std::vector<std::vector<std::uint16_t>> ta, tb;
  for (const auto* tr : st.table) {
    ta.emplace_back(), tb.emplace_back();
    for (const auto& q : tr->a) ta.back().push_back(numeric::half_bits<H>(q));
    for (const auto& q : tr->b) tb.back().push_back(numeric::half_bits<H>(q));
  }
  std::vector<float> h = h0, cpu = h0;
  if (len > 0) {
    std::vector<std::uint16_t> a(d * len), b(d * len);
    std::vector<float> hs(d * len);
    for (std::size_t t = 0; t < len; ++t) {
      const std::size_t e = st.at(t);
      for (std::size_t c = 0; c < d; ++c) a[c * len + t] = ta[e][c], b[c * len + t] = tb[e][c];
    }
    out.timing = cuda::diag_scan_half(a.data(), b.data(), kind, h0.data(), d, len, hs.data(), algo);
    for (std::size_t c = 0; c < d; ++c) h[c] = hs[c * len + len - 1];
    // the CPU's sequential run of the same recurrence: the same 16-bit inputs, fp32 arithmetic
    std::vector<std::vector<float>> fa, fb;
    for (std::size_t e = 0; e < ta.size(); ++e) {
      fa.emplace_back(), fb.emplace_back();
      for (auto v : ta[e]) fa.back().push_back(numeric::half_value<H>(v));
      for (auto v : tb[e]) fb.back().push_back(numeric::half_value<H>(v));
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t t = 0; t < len; ++t) {
      const std::size_t e = st.at(t);
      for (std::size_t c = 0; c < d; ++c) cpu[c] = fa[e][c] * cpu[c] + fb[e][c];
    }
    out.cpu_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  out.scalar = bf16 ? "bf16 inputs, fp32 arithmetic" : "fp16 inputs, fp32 arithmetic";
  finish<float>(spec, std::move(h), cpu, out);
}

DeviceScanRun run_steps(const LrnnSpec& spec, const Steps& st, const numeric::Precision& p, cuda::ScanAlgo algo) {
  check_device_scan(spec, p, algo);
  cuda::require_device();
  DeviceScanRun out;
  numeric::dispatch_native(p, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (numeric::is_half<T>)
      scan_half<T>(spec, st, algo, out);
    else
      scan_native<T>(spec, st, algo, out);
  });
  return out;
}

}  // namespace

void check_device_scan(const LrnnSpec& spec, const numeric::Precision& p, cuda::ScanAlgo algo) {
  bool half = false;
  if (!numeric::dispatch_native(p, [&half](auto tag) { half = numeric::is_half<typename decltype(tag)::type>; }))
    throw std::invalid_argument(fmt::format("--precision {}: --device cuda runs fp32 and fp64 (and bf16, fp16 for "
                                            "diagonal models, with fp32 arithmetic)",
                                            p.to_string()));
  const auto structure = to_string(spec.structure);
  if (half && spec.structure != Structure::Diagonal)
    throw std::invalid_argument(fmt::format("--precision {} on the device is for diagonal models; model '{}' is {} "
                                            "(use fp32 or fp64)",
                                            p.to_string(), spec.name, structure));
  if (algo == cuda::ScanAlgo::Cub && spec.structure != Structure::Diagonal)
    throw std::invalid_argument(fmt::format("--algo cub scans diagonal models only; model '{}' is {} (use layered or "
                                            "sequential)",
                                            spec.name, structure));
  if (spec.structure == Structure::PermutationDiagonal && spec.d > 64)
    throw std::invalid_argument(
        fmt::format("model '{}': the device's pd scan takes d ≤ 64 (d = {})", spec.name, spec.d));
  if ((spec.structure == Structure::Dense || spec.structure == Structure::Dplr) && spec.d > 16)
    throw std::invalid_argument(fmt::format(
        "model '{}': the device scans {} models as one d×d block, d ≤ 16 (d = {})", spec.name, structure, spec.d));
}

DeviceScanRun run_lrnn_device(const LrnnSpec& spec, const std::vector<std::uint32_t>& tokens,
                              const numeric::Precision& p, cuda::ScanAlgo algo) {
  for (std::size_t t = 0; t < tokens.size(); ++t)
    if (tokens[t] >= spec.tokens.size())
      throw ModelError(fmt::format("token index {} at position {} is outside the alphabet of model '{}'", tokens[t], t,
                                   spec.name));
  Steps st;
  for (const auto& tr : spec.tokens) st.table.push_back(&tr);
  st.tokens = &tokens;
  st.n = tokens.size();
  return run_steps(spec, st, p, algo);
}

DeviceScanRun run_lrnn_inputs_device(const LrnnSpec& spec, const std::vector<std::vector<Exact>>& xs,
                                     const numeric::Precision& p, cuda::ScanAlgo algo) {
  if (spec.input_dim == 0) throw ModelError("model '" + spec.name + "' takes tokens, not real-valued inputs");
  Steps st;
  st.inputs = &xs;
  st.own.reserve(xs.size());
  for (const auto& x : xs) st.own.push_back(detail::combine(spec, x));
  for (const auto& tr : st.own) st.table.push_back(&tr);
  st.n = xs.size();
  return run_steps(spec, st, p, algo);
}

}  // namespace parallax::models
