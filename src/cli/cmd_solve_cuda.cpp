// `parallax solve --device cuda`: the Newton solve of a batch of sequences on
// the GPU (kernels::cuda::newton_solve), against the GPU's sequential
// recurrence (the speed-up) and the CPU's (the error); with --grad the
// adjoints on the GPU (adjoint_scan), the vector-Jacobian products on the
// host, against backpropagation through time on the CPU.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "cli/device.hpp"
#include "cli/solve_cli.hpp"
#include "cli/store_link.hpp"
#include "experiment/npy.hpp"
#include "solve/device.hpp"
#include "solve/gradient.hpp"
#include "solve/jacobian.hpp"
#include "solve/newton.hpp"

namespace parallax::cli {

namespace cuda = kernels::cuda;

namespace {

struct DeviceSolveOutcome {
  cuda::NewtonResult newton;
  cuda::Timing sequential, adjoint;
  double err_cpu = 0, err_dev_seq = 0, dev_seq_vs_cpu = 0, err_ref = 0;
  double t_cpu_seq = 0;
  double grad_diff = 0, grad_scale = 0, adjoint_diff = 0, t_grad_host = 0, t_bptt = 0;
  std::vector<double> states;  ///< --dump-states: B × T × n
};

double max_abs_diff(double acc, double a, double b) {
  if (a == b) return acc;
  return std::max(acc, std::isfinite(a) && std::isfinite(b) ? std::fabs(a - b) : INFINITY);
}

template <class T>
void solve_on_device(const SolveCliOpts& o, const models::Cell& cell, const std::vector<double>& Xall, std::size_t batch,
                     std::size_t len, const cuda::NewtonOptions& dopt, bool reference, int ref_bits, DeviceSolveOutcome& out) {
  const std::size_t n = cell.state_dim(), m = cell.input;
  const auto w = solve::device_weights<T>(cell);
  std::vector<T> X(Xall.size()), h0(n), h0s(batch * n);
  for (std::size_t i = 0; i < Xall.size(); ++i) X[i] = solve::from_double<T>(Xall[i]);
  for (std::size_t i = 0; i < n; ++i) h0[i] = solve::from_double<T>(cell.h0[i]);
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
    solve::run_sequential(cell, Xb, len, h0, ref);
    out.t_cpu_seq += solve_cli::seconds_since(t0);
    for (std::size_t i = 0; i < ref.size(); ++i) {
      out.err_cpu = max_abs_diff(out.err_cpu, Hb[i], ref[i]);
      out.dev_seq_vs_cpu = max_abs_diff(out.dev_seq_vs_cpu, Hs[b * len * n + i], ref[i]);
    }
    if (o.grad && !(b < out.newton.nonfinite.size() && out.newton.nonfinite[b])) {
      const std::vector<T> lam(lambda.begin() + b * len * n, lambda.begin() + (b + 1) * len * n);
      const std::vector<T> G(len * n, numeric::one<T>());
      const auto lam_cpu = solve::adjoint_states(cell, Xb, len, h0, Hb, G, scan);
      for (std::size_t i = 0; i < lam.size(); ++i) out.adjoint_diff = max_abs_diff(out.adjoint_diff, lam[i], lam_cpu[i]);
      t0 = std::chrono::steady_clock::now();
      const auto gi = solve::gradients_from_adjoints(cell, Xb, len, h0, Hb, lam, scan);
      out.t_grad_host += solve_cli::seconds_since(t0);
      t0 = std::chrono::steady_clock::now();
      const auto gb = solve::backprop_sequential(cell, Xb, len, h0, G);
      out.t_bptt += solve_cli::seconds_since(t0);
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
      out.err_ref = std::max(out.err_ref, solve_cli::reference_error(cell, Xd, len, Hd, ref_bits));
    }
  }
  if (!o.dump_states.empty()) out.states.assign(H.begin(), H.end());
}

}  // namespace

void run_solve_cuda(const SolveCliOpts& o, const SolveGiven& given) {
  using namespace solve_cli;
  // ---- the arguments, then the device, then the work ----
  check_solve_options(o, given.input);
  const models::Cell cell = make_cell(o, given.hidden, given.input);
  std::size_t batch = o.batch, len = o.length;
  if (len == 0) throw CliError(kBadInput, "--length must be ≥ 1");
  if (batch == 0) throw CliError(kBadInput, "--batch must be ≥ 1");
  numeric::Precision prec;
  solve::SolveOptions so = parse_solve_options(o, prec);
  if (prec.kind != numeric::Precision::Kind::Fp64 && prec.kind != numeric::Precision::Kind::Fp32)
    throw CliError(kBadInput, fmt::format("--precision {}: --device cuda solves in fp32 and fp64", o.precision));
  try {
    solve::check_device_method(cell, so.method);
    (void)solve::device_newton_options(so);
  } catch (const std::invalid_argument& e) {
    throw CliError(kBadInput, std::string("--device cuda: ") + e.what());
  }
  if (o.grad && !solve::device_has_adjoint(cell))
    throw CliError(kBadInput, fmt::format("--grad with --device cuda: the device computes adjoints for paragru and paralstm "
                                          "(exact structured Jacobians), not for {}",
                                          models::cell_kind_name(cell.kind)));
  if (o.show_history) throw CliError(kBadInput, "--history: the device keeps no residual history (run on the CPU for it)");
  if (given.sigma2) throw CliError(kBadInput, "--sigma2 is ELK's damping; the device runs newton and quasi-deer");
  if (o.reference != "on" && o.reference != "off" && o.reference != "auto")
    throw CliError(kBadInput, fmt::format("--reference '{}': valid values are auto, on, off", o.reference));
  if (!o.store.empty() && !o.dump_states.empty())
    throw CliError(kBadInput, "--store keeps the solve's record; give --dump-states without --store");
  if (o.inputs.empty()) check_solve_memory(o, cell, batch, len, so, prec.resolve(len), reference_on(o, cell, batch, len), true);
  require_cuda();

  const std::vector<double> Xall = make_inputs(o, cell, batch, len, given.length, given.batch);
  if (!o.inputs.empty()) check_solve_memory(o, cell, batch, len, so, prec.resolve(len), reference_on(o, cell, batch, len), true);
  const numeric::Precision p = prec.resolve(len);
  so.atol = so.rtol = o.tol > 0 ? o.tol : default_tol(p, len);
  const cuda::NewtonOptions dopt = solve::device_newton_options(so);
  const std::size_t n = cell.state_dim();
  const bool reference = reference_on(o, cell, batch, len);
  const int ref_bits = reference_bits(p);

  StoreLink link;
  const std::string key = fmt::format("solve/T={}", len);
  if (resume_stored_solve(link, o, cell, batch, prec, key)) return;

  DeviceSolveOutcome out;
  with_cuda_errors([&] {
    if (p.kind == numeric::Precision::Kind::Fp32) solve_on_device<float>(o, cell, Xall, batch, len, dopt, reference, ref_bits, out);
    else solve_on_device<double>(o, cell, Xall, batch, len, dopt, reference, ref_bits, out);
  });
  if (!o.dump_states.empty()) {
    try {
      experiment::write_npy(o.dump_states, {batch, len, n}, out.states.data(), p.kind == numeric::Precision::Kind::Fp32);
    } catch (const experiment::NpyError& e) {
      throw CliError(kFailure, e.what());
    }
  }

  // ---- report ----
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
  const bool converged = converged_count == static_cast<int>(batch), diverged = nonfinite_count > 0;
  const double ms_newton = nr.timing.kernel_ms, ms_seq = out.sequential.kernel_ms;
  const std::string gpu = cuda::device_status();
  nlohmann::ordered_json j{{"device", "cuda"}, {"gpu", gpu}};
  j.update(solve_record_head(cell, len, batch, so, p));
  if (o.iters > 0) j["fixed_iters"] = o.iters;
  j["iterations"] = iters;
  j["iterations_per_sequence"] = nr.iterations;
  j["converged"] = converged;
  j["converged_sequences"] = converged_count;
  j["diverged"] = diverged;
  j["nonfinite_sequences"] = nonfinite_count;
  if (diverged) j["divergence"] = fmt::format("sequence {}: a NaN or Inf appeared on the device", first_nonfinite);
  j["max_error_vs_sequential"] = out.err_cpu;
  j["max_error_vs_device_sequential"] = out.err_dev_seq;
  j["device_sequential_vs_cpu"] = out.dev_seq_vs_cpu;
  if (reference) j["max_error_vs_reference"] = out.err_ref;
  j["ms_newton"] = ms_newton;
  j["ms_newton_total"] = nr.timing.total_ms;
  j["ms_sequential"] = ms_seq;
  j["ms_sequential_total"] = out.sequential.total_ms;
  j["seconds_solve"] = ms_newton / 1e3;
  j["seconds_sequential"] = ms_seq / 1e3;
  j["seconds_sequential_cpu"] = out.t_cpu_seq;
  j["speedup"] = ms_newton > 0 ? ms_seq / ms_newton : 0.0;
  j["speedup_vs_cpu"] = ms_newton > 0 ? out.t_cpu_seq * 1e3 / ms_newton : 0.0;
  if (o.grad) {
    j["gradient_max_diff_vs_bptt"] = out.grad_diff;
    j["gradient_max_abs"] = out.grad_scale;
    j["adjoint_max_diff_vs_cpu"] = out.adjoint_diff;
    j["ms_adjoint"] = out.adjoint.kernel_ms;
    j["ms_adjoint_total"] = out.adjoint.total_ms;
    j["seconds_gradient_host"] = out.t_grad_host;
    j["seconds_gradient_bptt"] = out.t_bptt;
  }
  if (link.active()) {
    link.put("solve", key, j);
    link.finish();
  }
  if (o.fmt.format() == Format::Json) {
    fmt::print("{}\n", j.dump());
  } else if (o.fmt.format() == Format::Csv) {
    const std::vector<std::string> cols{"device", "cell", "hidden", "length", "batch", "method", "precision", "iterations",
                                        "converged_sequences", "max_error_vs_sequential", "max_error_vs_device_sequential",
                                        "ms_newton", "ms_sequential", "seconds_sequential_cpu", "speedup"};
    Records r(cols);
    nlohmann::ordered_json row;
    for (const auto& k : cols) row[k] = j[k];
    r.add(row);
    r.print(Format::Csv);
  } else {
    fmt::print("device      cuda: {}\n", gpu);
    fmt::print("cell        {} (hidden {}, input {}, Jacobian {})\n", j["cell"].get<std::string>(), cell.hidden, cell.input,
               cell.structure().name());
    fmt::print("sequences   {} × T = {}\n", batch, len);
    fmt::print("method      {} from {}, {}, {}\n", j["method"].get<std::string>(), so.init.to_string(),
               o.iters > 0 ? fmt::format("{} iterations", o.iters) : fmt::format("tol {:.3g}", so.atol), p.to_string());
    fmt::print("iterations  {} (largest), {} of {} sequences converged{}\n", iters, converged_count, batch,
               diverged ? fmt::format(", DIVERGED in {}", nonfinite_count) : "");
    fmt::print("error       {:.3e} vs the CPU's sequential run, {:.3e} vs the device's (device sequential vs CPU {:.3e})", out.err_cpu,
               out.err_dev_seq, out.dev_seq_vs_cpu);
    if (reference) fmt::print(", {:.3e} vs a {}-bit MPFR run", out.err_ref, ref_bits);
    fmt::print("\n");
    fmt::print("time        device: {} {:.3f} ms ({:.3f} ms with transfers), sequential {:.3f} ms ({:.3f} ms), speed-up {:.2f}×\n",
               j["method"].get<std::string>(), ms_newton, nr.timing.total_ms, ms_seq, out.sequential.total_ms,
               j["speedup"].get<double>());
    fmt::print("            CPU sequential {:.6f} s ({:.2f}× the device's {})\n", out.t_cpu_seq, j["speedup_vs_cpu"].get<double>(),
               j["method"].get<std::string>());
    if (o.grad)
      fmt::print("gradient    of Σ h: adjoints on the device {:.3f} ms (max |Δ| vs the CPU's {:.3e}), products on the host {:.6f} s, "
                 "backprop through time {:.6f} s, largest difference {:.3e} (largest entry {:.3e})\n",
                 out.adjoint.kernel_ms, out.adjoint_diff, out.t_grad_host, out.t_bptt, out.grad_diff, out.grad_scale);
    if (diverged) fmt::print("divergence  {}\n", j["divergence"].get<std::string>());
  }
  if (diverged) throw CliError(kFailure, "the solver diverged: " + j["divergence"].get<std::string>() + " (try a smaller --gain)");
}

}  // namespace parallax::cli
