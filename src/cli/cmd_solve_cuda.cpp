// `parallax solve --device cuda`: the table and CSV of a device solve's record
// (the solve itself is experiment::solve::run, solve_device.cpp).
#include <fmt/format.h>

#include "cli/device.hpp"
#include "experiment/solve.hpp"

namespace parallax::cli {

void print_solve_cuda(const experiment::solve::Record& r, Format f) {
  const auto& d = *r.device;
  if (f == Format::Csv)
    return print_csv_record(experiment::solve::to_json(r),
                            {"device", "cell", "hidden", "length", "batch", "method", "precision", "iterations",
                             "converged_sequences", "max_error_vs_sequential", "max_error_vs_device_sequential", "ms_newton",
                             "ms_sequential", "seconds_sequential_cpu", "speedup"});
  fmt::print("device      cuda: {}\n", d.gpu);
  fmt::print("cell        {} (hidden {}, input {}, Jacobian {})\n", r.cell, r.hidden, r.input, r.structure);
  fmt::print("sequences   {} × T = {}\n", r.batch, r.length);
  fmt::print("method      {} from {}, {}, {}\n", r.method, r.init,
             d.fixed_iters ? fmt::format("{} iterations", *d.fixed_iters) : fmt::format("tol {:.3g}", r.tol), r.precision);
  fmt::print("iterations  {} (largest), {} of {} sequences converged{}\n", r.iterations, d.converged_sequences, r.batch,
             r.diverged ? fmt::format(", DIVERGED in {}", d.nonfinite_sequences) : "");
  fmt::print("error       {:.3e} vs the CPU's sequential run, {:.3e} vs the device's (device sequential vs CPU {:.3e})",
             r.max_error_vs_sequential, d.max_error_vs_device_sequential, d.device_sequential_vs_cpu);
  if (r.max_error_vs_reference)
    fmt::print(", {:.3e} vs a {}-bit MPFR run", *r.max_error_vs_reference,
               experiment::solve::reference_bits(numeric::Precision::parse(r.precision)));
  fmt::print("\n");
  fmt::print("time        device: {} {:.3f} ms ({:.3f} ms with transfers), sequential {:.3f} ms ({:.3f} ms), speed-up {:.2f}×\n",
             r.method, d.ms_newton, d.ms_newton_total, d.ms_sequential, d.ms_sequential_total, r.speedup);
  fmt::print("            CPU sequential {:.6f} s ({:.2f}× the device's {})\n", d.seconds_sequential_cpu, d.speedup_vs_cpu, r.method);
  if (r.gradient_max_diff_vs_bptt)
    fmt::print("gradient    of Σ h: adjoints on the device {:.3f} ms (max |Δ| vs the CPU's {:.3e}), products on the host {:.6f} s, "
               "backprop through time {:.6f} s, largest difference {:.3e} (largest entry {:.3e})\n",
               *d.ms_adjoint, *d.adjoint_max_diff_vs_cpu, *d.seconds_gradient_host, *r.seconds_gradient_bptt,
               *r.gradient_max_diff_vs_bptt, *r.gradient_max_abs);
  if (r.diverged) fmt::print("divergence  {}\n", *r.divergence);
}

}  // namespace parallax::cli
