// The solve experiment on the CUDA device (solve.hpp, run_on_device): the
// Newton solve of a batch of sequences on the GPU (kernels::cuda::newton_solve),
// against the GPU's sequential recurrence (the speed-up) and the CPU's (the
// error); with grad the adjoints on the GPU (adjoint_scan), the
// vector-Jacobian products on the host, against backpropagation through time
// on the CPU.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "experiment/solve.hpp"
#include "solve/device.hpp"
#include "solve/gradient.hpp"
#include "solve/jacobian.hpp"

namespace parallax::experiment::solve {

namespace ps = parallax::solve;
namespace cuda = kernels::cuda;

namespace {

struct DeviceSolveOutcome {
  cuda::NewtonResult newton;
  cuda::Timing sequential, adjoint;
  double err_cpu = 0, err_dev_seq = 0, dev_seq_vs_cpu = 0, err_ref = 0;
  double t_cpu_seq = 0;
  double grad_diff = 0, grad_scale = 0, adjoint_diff = 0, t_grad_host = 0, t_bptt = 0;
  std::vector<double> states;  ///< keep_states: B × T × n
};

double max_abs_diff(double acc, double a, double b) {
  if (a == b) return acc;
  return std::max(acc, std::isfinite(a) && std::isfinite(b) ? std::fabs(a - b) : INFINITY);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class T>
void solve_on_device(const Options& o, const models::Cell& cell, const std::vector<double>& Xall, std::size_t batch,
                     std::size_t len, const cuda::NewtonOptions& dopt, bool reference, int ref_bits, DeviceSolveOutcome& out) {
  const std::size_t n = cell.state_dim(), m = cell.input;
  const auto w = ps::device_weights<T>(cell);
  std::vector<T> X(Xall.size()), h0(n), h0s(batch * n);
  for (std::size_t i = 0; i < Xall.size(); ++i) X[i] = ps::from_double<T>(Xall[i]);
  for (std::size_t i = 0; i < n; ++i) h0[i] = ps::from_double<T>(cell.h0[i]);
  for (std::size_t b = 0; b < batch; ++b) std::copy(h0.begin(), h0.end(), h0s.begin() + b * n);
  std::vector<T> H(batch * len * n), Hs(batch * len * n);
  out.newton = cuda::newton_solve<T>(w, X.data(), h0s.data(), batch, len, H.data(), dopt);
  out.sequential = cuda::sequential_cell<T>(w, X.data(), h0s.data(), batch, len, Hs.data());
  for (std::size_t i = 0; i < H.size(); ++i) out.err_dev_seq = max_abs_diff(out.err_dev_seq, H[i], Hs[i]);

  kernels::ScanOptions scan;
  scan.threads = o.threads;
  std::vector<T> lambda;
  if (o.grad) {  // L = Σ_t Σ_i h_t,i: the adjoints of every sequence in one device call
    const std::vector<T> G(batch * len * n, numeric::one<T>());
    lambda.resize(batch * len * n);
    out.adjoint = cuda::adjoint_scan<T>(w, X.data(), H.data(), G.data(), batch, len, lambda.data());
  }
  for (std::size_t b = 0; b < batch; ++b) {
    const std::vector<T> Xb(X.begin() + b * len * m, X.begin() + (b + 1) * len * m);
    const std::vector<T> Hb(H.begin() + b * len * n, H.begin() + (b + 1) * len * n);
    std::vector<T> ref;
    auto t0 = std::chrono::steady_clock::now();
    ps::run_sequential(cell, Xb, len, h0, ref);
    out.t_cpu_seq += seconds_since(t0);
    for (std::size_t i = 0; i < ref.size(); ++i) {
      out.err_cpu = max_abs_diff(out.err_cpu, Hb[i], ref[i]);
      out.dev_seq_vs_cpu = max_abs_diff(out.dev_seq_vs_cpu, Hs[b * len * n + i], ref[i]);
    }
    if (o.grad && !(b < out.newton.nonfinite.size() && out.newton.nonfinite[b])) {
      const std::vector<T> lam(lambda.begin() + b * len * n, lambda.begin() + (b + 1) * len * n);
      const std::vector<T> G(len * n, numeric::one<T>());
      const auto lam_cpu = ps::adjoint_states(cell, Xb, len, h0, Hb, G, scan);
      for (std::size_t i = 0; i < lam.size(); ++i) out.adjoint_diff = max_abs_diff(out.adjoint_diff, lam[i], lam_cpu[i]);
      t0 = std::chrono::steady_clock::now();
      const auto gi = ps::gradients_from_adjoints(cell, Xb, len, h0, Hb, lam, scan);
      out.t_grad_host += seconds_since(t0);
      t0 = std::chrono::steady_clock::now();
      const auto gb = ps::backprop_sequential(cell, Xb, len, h0, G);
      out.t_bptt += seconds_since(t0);
      auto cmp = [&](const std::vector<T>& a, const std::vector<T>& r) {
        for (std::size_t i = 0; i < a.size(); ++i) {
          out.grad_diff = max_abs_diff(out.grad_diff, a[i], r[i]);
          out.grad_scale = std::max(out.grad_scale, std::fabs(double(r[i])));
        }
      };
      cmp(gi.dx, gb.dx);
      cmp(gi.dh0, gb.dh0);
      for (std::size_t q = 0; q < gi.dparams.size(); ++q) cmp(gi.dparams[q], gb.dparams[q]);
    }
    if (reference) {
      std::vector<double> Hd(Hb.begin(), Hb.end()), Xd(Xb.begin(), Xb.end());
      out.err_ref = std::max(out.err_ref, reference_error(cell, Xd, len, Hd, ref_bits));
    }
  }
  if (o.keep_states) out.states.assign(H.begin(), H.end());
}

}  // namespace

Result run_on_device(const Options& o, const Hooks& hooks) {
  // ---- the cell, the device's checks, then the work ----
  const models::Cell cell = make_cell(o);
  std::size_t batch = o.batch, len = o.length;
  const numeric::Precision prec = numeric::Precision::parse(o.precision);
  ps::SolveOptions so = solver_options(o);
  try {
    ps::check_device_method(cell, so.method);
  } catch (const std::invalid_argument& e) {
    throw OptionError("method", std::string("--device cuda: ") + e.what());
  }
  if (o.grad && !ps::device_has_adjoint(cell))
    throw OptionError("grad", fmt::format("--grad with --device cuda: the device computes adjoints for paragru and paralstm "
                                          "(exact structured Jacobians), not for {}",
                                          models::cell_kind_name(cell.kind)));
  if (o.input_values) batch = o.input_values->batch, len = o.input_values->length;  // sizes known before the copy
  if (o.inputs.empty()) check_memory(o, cell, batch, len, so, prec.resolve(len), reference_on(o, cell, batch, len), true);
  cuda::require_device();

  const std::vector<double> Xall = make_inputs(o, cell, batch, len);
  if (!o.inputs.empty()) check_memory(o, cell, batch, len, so, prec.resolve(len), reference_on(o, cell, batch, len), true);
  const numeric::Precision p = prec.resolve(len);
  so.atol = so.rtol = o.tol > 0 ? o.tol : default_tol(p, len);
  const cuda::NewtonOptions dopt = ps::device_newton_options(so);
  const bool reference = reference_on(o, cell, batch, len);
  const int ref_bits = reference_bits(p);

  if (auto stored = stored_result(o, cell, batch, len, prec, hooks)) return std::move(*stored);
  Result result;
  result.state_dim = cell.state_dim();

  DeviceSolveOutcome out;
  if (p.kind == numeric::Precision::Kind::Fp32) solve_on_device<float>(o, cell, Xall, batch, len, dopt, reference, ref_bits, out);
  else solve_on_device<double>(o, cell, Xall, batch, len, dopt, reference, ref_bits, out);
  result.states = std::move(out.states);

  // ---- the record ----
  const auto& nr = out.newton;
  int iters = 0, converged_count = 0, nonfinite_count = 0, first_nonfinite = -1;
  for (std::size_t b = 0; b < batch; ++b) {
    iters = std::max(iters, b < nr.iterations.size() ? nr.iterations[b] : 0);
    converged_count += b < nr.converged.size() && nr.converged[b] ? 1 : 0;
    if (b < nr.nonfinite.size() && nr.nonfinite[b]) {
      ++nonfinite_count;
      if (first_nonfinite < 0) first_nonfinite = static_cast<int>(b);
    }
  }
  const double ms_newton = nr.timing.kernel_ms, ms_seq = out.sequential.kernel_ms;
  Record& rec = result.record;
  Record::Device d;
  d.gpu = cuda::device_status();
  describe_solve(rec, cell, len, batch, so, p);
  if (o.iters > 0) d.fixed_iters = o.iters;
  rec.iterations = iters;
  d.iterations_per_sequence = nr.iterations;
  rec.converged = converged_count == static_cast<int>(batch);
  d.converged_sequences = converged_count;
  rec.diverged = nonfinite_count > 0;
  d.nonfinite_sequences = nonfinite_count;
  if (rec.diverged) rec.divergence = fmt::format("sequence {}: a NaN or Inf appeared on the device", first_nonfinite);
  rec.max_error_vs_sequential = out.err_cpu;
  d.max_error_vs_device_sequential = out.err_dev_seq;
  d.device_sequential_vs_cpu = out.dev_seq_vs_cpu;
  if (reference) rec.max_error_vs_reference = out.err_ref;
  d.ms_newton = ms_newton;
  d.ms_newton_total = nr.timing.total_ms;
  d.ms_sequential = ms_seq;
  d.ms_sequential_total = out.sequential.total_ms;
  rec.seconds_solve = ms_newton / 1e3;
  rec.seconds_sequential = ms_seq / 1e3;
  d.seconds_sequential_cpu = out.t_cpu_seq;
  rec.speedup = ms_newton > 0 ? ms_seq / ms_newton : 0.0;
  d.speedup_vs_cpu = ms_newton > 0 ? out.t_cpu_seq * 1e3 / ms_newton : 0.0;
  if (o.grad) {
    rec.gradient_max_diff_vs_bptt = out.grad_diff;
    rec.gradient_max_abs = out.grad_scale;
    d.adjoint_max_diff_vs_cpu = out.adjoint_diff;
    d.ms_adjoint = out.adjoint.kernel_ms;
    d.ms_adjoint_total = out.adjoint.total_ms;
    d.seconds_gradient_host = out.t_grad_host;
    rec.seconds_gradient_bptt = out.t_bptt;
  }
  rec.device = std::move(d);
  if (hooks.on_record) hooks.on_record(record_key(len), rec);
  return result;
}

}  // namespace parallax::experiment::solve
