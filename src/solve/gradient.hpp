#pragma once
// Gradients of a scalar loss L(h_1, …, h_T) of the states with respect to the
// inputs, the initial state and the cell parameters.
//
// Implicit differentiation at the solution (what a parallel solver uses): the
// states solve r(h) = 0 with r_t = h_t − f(h_{t−1}, x_t), so with G_t = ∂L/∂h_t
// the adjoints λ solve the transposed system
//      λ_T = G_T,   λ_t = G_t + J_{t+1}ᵀ λ_{t+1},
// one linear recurrence backwards in time — a parallel scan with the
// transposed (structured) Jacobians. Then, independently for every t,
//      ∂L/∂x_t = (∂f/∂x)ᵀ λ_t,   ∂L/∂θ = Σ_t (∂f/∂θ)ᵀ λ_t,   ∂L/∂h_0 = J_1ᵀ λ_1,
// vector-Jacobian products of one step, by reverse-mode automatic
// differentiation (numeric::Var) of the cell's templated step.
//
// backprop_sequential records the whole unrolled sequence on one tape and
// sweeps it once: ordinary backpropagation through time, the reference.
#include <vector>

#include "kernels/scan.hpp"
#include "models/cell.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::solve {

/// The scalar types the functions below are instantiated for (gradient.cpp):
/// the native floats.
template <class T>
inline constexpr bool has_gradients_v = numeric::is_native_float_v<T>;

template <class T>
struct Gradients {
  std::vector<T> dx;                    ///< len × m
  std::vector<T> dh0;                   ///< n
  std::vector<std::vector<T>> dparams;  ///< per parameter, in the cell's order
};

/// The adjoints at the states H (len × n) for G = ∂L/∂H (len × n): λ (len × n,
/// time order) with λ_{len−1} = G_{len−1}, λ_t = G_t + J_{t+1}ᵀ λ_{t+1}, by one
/// parallel scan of the transposed structured Jacobians backwards in time.
template <class T>
std::vector<T> adjoint_states(const models::Cell& cell, const std::vector<T>& X, std::size_t len, const std::vector<T>& h0,
                              const std::vector<T>& H, const std::vector<T>& G, const kernels::ScanOptions& so = {});

/// The gradients from the adjoints λ (len × n, time order; from adjoint_states
/// or from the device's kernels::cuda::adjoint_scan): the vector-Jacobian
/// products of every step with its λ_t, in parallel. The parameter gradients
/// are summed chunk by chunk, so with more than one thread their last bits
/// can depend on the order in which the chunks finish.
template <class T>
Gradients<T> gradients_from_adjoints(const models::Cell& cell, const std::vector<T>& X, std::size_t len,
                                     const std::vector<T>& h0, const std::vector<T>& H, const std::vector<T>& lambda,
                                     const kernels::ScanOptions& so = {});

/// Implicit gradients at the states H (len × n) for G = ∂L/∂H (len × n):
/// gradients_from_adjoints(adjoint_states(…)).
template <class T>
Gradients<T> implicit_gradients(const models::Cell& cell, const std::vector<T>& X, std::size_t len,
                                const std::vector<T>& h0, const std::vector<T>& H, const std::vector<T>& G,
                                const kernels::ScanOptions& so = {});

/// Backpropagation through the sequential recurrence (reference); also
/// returns the states it ran through in H.
template <class T>
Gradients<T> backprop_sequential(const models::Cell& cell, const std::vector<T>& X, std::size_t len,
                                 const std::vector<T>& h0, const std::vector<T>& G, std::vector<T>* H = nullptr);

}  // namespace parallax::solve
