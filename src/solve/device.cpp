// Host glue of the CUDA backend for the Newton solvers (device.hpp).
#include "solve/device.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "solve/jacobian.hpp"

namespace parallax::solve {

std::string device_support() {
  return fmt::format("the CUDA device runs paragru (newton, quasi-deer), paralstm (newton) and gru with hidden ≤ {} "
                     "(quasi-deer)",
                     kDeviceGruMaxHidden);
}

kernels::cuda::DeviceCell device_cell(const models::Cell& cell) {
  using models::CellKind;
  switch (cell.kind) {
    case CellKind::ParaGru: return kernels::cuda::DeviceCell::ParaGru;
    case CellKind::ParaLstm: return kernels::cuda::DeviceCell::ParaLstm;
    case CellKind::Gru:
      if (cell.hidden > kDeviceGruMaxHidden)
        throw std::invalid_argument(fmt::format("gru with hidden {} has no device kernel (hidden ≤ {}): {}", cell.hidden,
                                                kDeviceGruMaxHidden, device_support()));
      return kernels::cuda::DeviceCell::Gru;
    default: break;
  }
  throw std::invalid_argument(
      fmt::format("cell '{}' has no device kernel: {}", models::cell_kind_name(cell.kind), device_support()));
}

template <class T>
kernels::cuda::CellWeights<T> device_weights(const models::Cell& cell) {
  const auto kind = device_cell(cell);
  models::validate(cell);
  kernels::cuda::CellWeights<T> w;
  w.kind = kind;
  w.hidden = cell.hidden;
  w.input = cell.input;
  std::size_t total = 0;
  for (const auto& p : cell.params) total += p.values.size();
  w.values.reserve(total);
  w.offsets.reserve(cell.params.size());
  for (const auto& p : cell.params) {
    w.offsets.push_back(w.values.size());
    for (double v : p.values) w.values.push_back(numeric::from_double<T>(v));
  }
  return w;
}

void check_device_method(const models::Cell& cell, Method method) {
  const auto kind = device_cell(cell);
  const bool ok = (kind == kernels::cuda::DeviceCell::ParaGru && (method == Method::Newton || method == Method::QuasiDeer)) ||
                  (kind == kernels::cuda::DeviceCell::ParaLstm && method == Method::Newton) ||
                  (kind == kernels::cuda::DeviceCell::Gru && method == Method::QuasiDeer);
  if (!ok)
    throw std::invalid_argument(fmt::format("method '{}' on cell '{}' has no device kernel: {}", method_name(method),
                                            models::cell_kind_name(cell.kind), device_support()));
}

bool device_has_adjoint(const models::Cell& cell) {
  return cell.kind == models::CellKind::ParaGru || cell.kind == models::CellKind::ParaLstm;
}

kernels::cuda::NewtonOptions device_newton_options(const SolveOptions& o) {
  if (o.init.kind != InitSpec::Kind::Zeros && o.init.kind != InitSpec::Kind::F0)
    throw std::invalid_argument(
        fmt::format("initial guess '{}' is not available on the CUDA device (zeros or f0)", o.init.to_string()));
  if (o.reset) throw std::invalid_argument("the reset policy (--reset) is not available on the CUDA device");
  if (o.check_structure) throw std::invalid_argument("structure checks (--check-structure) run on the CPU only");
  if (o.fixed_iters < 0 || o.max_iter < 0) throw std::invalid_argument("iteration counts must be ≥ 0");
  kernels::cuda::NewtonOptions d;
  d.atol = o.atol;
  d.rtol = o.rtol;
  d.fixed_iters = o.fixed_iters;
  d.max_iter = o.max_iter;
  d.init_f0 = o.init.kind == InitSpec::Kind::F0;
  return d;
}

template kernels::cuda::CellWeights<float> device_weights<float>(const models::Cell&);
template kernels::cuda::CellWeights<double> device_weights<double>(const models::Cell&);

}  // namespace parallax::solve
