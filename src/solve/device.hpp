#pragma once
// Host glue between the Newton solvers and the CUDA backend
// (kernels/cuda/api.hpp): a cell's weights in the device's layout, which
// cells and methods the device runs, and the solver options it takes.
//
// The device runs three cells:
//   paragru    exact Newton with its diagonal Jacobian (`newton`; `quasi-deer`
//              is the same iteration, the diagonal being the whole Jacobian)
//   paralstm   exact Newton with its 2×2 blocks per unit (`newton`)
//   gru        quasi-DEER: the diagonal of its dense Jacobian (`quasi-deer`),
//              hidden ≤ 64 (one thread block per sequence)
// Everything else is refused with std::invalid_argument naming what the
// device supports. The gradient's adjoints run on the device for ParaGRU and
// ParaLSTM (kernels::cuda::adjoint_scan); the vector-Jacobian products that
// follow run on the host (solve::gradients_from_adjoints).
#include <cstddef>
#include <string>

#include "kernels/cuda/api.hpp"
#include "models/cell.hpp"
#include "solve/newton.hpp"

namespace parallax::solve {

/// Largest hidden size of the device's GRU.
inline constexpr std::size_t kDeviceGruMaxHidden = 64;

/// One line naming the cells and methods the device runs.
std::string device_support();

/// The device's kind of a cell; throws std::invalid_argument for other kinds
/// and for a GRU over kDeviceGruMaxHidden units.
kernels::cuda::DeviceCell device_cell(const models::Cell& cell);

/// The cell's parameters converted to T (float or double), concatenated in
/// the cell's order, with the offset of each; throws std::invalid_argument
/// as device_cell does (and models::CellError for a malformed cell).
template <class T>
kernels::cuda::CellWeights<T> device_weights(const models::Cell& cell);

/// Throws std::invalid_argument unless the device runs `method` on this cell
/// (after device_cell's checks).
void check_device_method(const models::Cell& cell, Method method);

/// True when the device computes the gradient's adjoints for this cell
/// (ParaGRU and ParaLSTM: exact structured Jacobians).
bool device_has_adjoint(const models::Cell& cell);

/// The device's options for a solve: tolerances, fixed or maximum iteration
/// counts and the initial guess; throws std::invalid_argument for what the
/// device does not do (initial guesses other than zeros and f0, the reset
/// policy, structure checks).
kernels::cuda::NewtonOptions device_newton_options(const SolveOptions& o);

}  // namespace parallax::solve
