#pragma once
// Nonlinear recurrent cells h_t = f(h_{t−1}, x_t) for the Newton solvers of
// src/solve: Elman (tanh), GRU and LSTM with dense recurrent weights, and
// ParaRNN's ParaGRU and ParaLSTM whose recurrence is elementwise.
//
// One step function per cell, written once as a template over the scalar S,
// so the same code runs in fp32, fp64, the emulated floats, and on the
// automatic-differentiation types of numeric/autodiff.hpp: Jacobians (forward
// mode) and vector-Jacobian products for gradients (reverse mode) need no
// hand-written derivative.
//
// State layout. A cell's state has state_dim() entries. The LSTMs carry
// (c, h) per unit, stored unit-major: state[2i] = c_i, state[2i+1] = h_i, so
// that ParaLSTM's 2×2 Jacobian blocks are contiguous (kernels::BlockDiagAffine).
//
// Jacobian structure (what ∂f/∂h is guaranteed to look like):
//   elman, gru, lstm   dense
//   paragru            diagonal
//   paralstm           2×2 blocks per unit
//   argru              dense: an autoregressive GRU, whose input is its own
//                      readout w_o·h + b_o plus the external x_t (noise)
// solve::check_structure verifies a declaration against the full Jacobian.
//
// Weights: named parameters (docs/cells-json.md), from a JSON file or random
// with a seed and a gain (random_cell).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cell_units.hpp"
#include "numeric/functions.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::models {

enum class CellKind { Elman, Gru, Lstm, ParaGru, ParaLstm, ArGru };

/// The shape of ∂f/∂h: dense, diagonal, or `block`×`block` blocks on the
/// diagonal (contiguous in the state layout).
struct JacobianStructure {
  enum class Kind { Dense, Diagonal, Blocks };
  Kind kind = Kind::Dense;
  std::size_t block = 1;  ///< Blocks: block size
  /// Block size for a state of dimension n (Dense → n, Diagonal → 1).
  std::size_t block_size(std::size_t n) const { return kind == Kind::Dense ? n : kind == Kind::Diagonal ? 1 : block; }
  std::string name() const;
};

/// A weight array: a rows×cols matrix (row-major) or a vector (cols = 1).
struct CellParam {
  std::string name;
  std::size_t rows = 0, cols = 1;
  bool matrix = false;  ///< written as rows of a matrix in JSON (even with cols = 1)
  std::vector<double> values;
};

/// A malformed cell file or an impossible cell; the message names the file,
/// line and field where there is one.
struct CellError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Cell {
  CellKind kind = CellKind::Elman;
  std::size_t hidden = 1;  ///< units
  std::size_t input = 1;   ///< input size m
  std::vector<CellParam> params;  ///< in the order of param_names(kind)
  std::vector<double> h0;         ///< initial state (state_dim entries; zeros by default)

  std::size_t state_dim() const { return kind == CellKind::Lstm || kind == CellKind::ParaLstm ? 2 * hidden : hidden; }
  JacobianStructure structure() const;
  std::size_t param_count() const;

  /// out = f(h, x) for one step. P holds the parameters converted to S (in
  /// the order of params), h has state_dim() entries, x has `input`, out
  /// has state_dim() and does not alias h.
  template <class S>
  void step(const std::vector<std::vector<S>>& P, const S* h, const S* x, S* out) const;

  /// Hand-written f and Jacobian with block size k (layout of
  /// solve/jacobian.hpp) where one is written out: ParaGRU k = 1, ParaLSTM
  /// k = 2 (their exact Jacobians), and for Elman, GRU and ArGRU k = 1, the
  /// *diagonal* of their dense Jacobian (what quasi-DEER needs, in O(d²)
  /// instead of d forward passes). Returns false otherwise. out equals
  /// step's bit for bit (the same expressions); J is tested against the
  /// automatic Jacobian.
  template <class S>
  bool step_jacobian(const std::vector<std::vector<S>>& P, const S* h, const S* x, S* out, S* J, std::size_t k) const;
  /// True when step_jacobian has block size k for this kind.
  bool has_step_jacobian(std::size_t k) const {
    return (k == 1 && (kind == CellKind::ParaGru || kind == CellKind::Elman || kind == CellKind::Gru ||
                       kind == CellKind::ArGru)) ||
           (k == 2 && kind == CellKind::ParaLstm);
  }

  /// The parameters converted to S by conv(double) (e.g. a rounding to T).
  template <class S, class Conv>
  std::vector<std::vector<S>> params_as(Conv&& conv) const {
    std::vector<std::vector<S>> r(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      r[i].reserve(params[i].values.size());
      for (double v : params[i].values) r[i].push_back(conv(v));
    }
    return r;
  }
};

/// "elman", "gru", "lstm", "paragru", "paralstm".
const char* cell_kind_name(CellKind k);
/// Parses a kind name; throws CellError listing the valid names.
CellKind parse_cell_kind(const std::string& name);
/// Every kind name, for help texts.
std::vector<std::string> cell_kind_names();
/// The parameter names of a kind, in storage order, with their shapes for
/// hidden size d and input size m.
std::vector<CellParam> cell_param_shapes(CellKind k, std::size_t d, std::size_t m);

/// A random cell: recurrent matrices N(0, gain²/d) (spectral radius ≈ gain),
/// elementwise recurrences uniform in [−gain, gain], input weights N(0, 1/m),
/// biases N(0, 0.1²), peepholes uniform in [−gain/2, gain/2]. Small gains
/// give contractive cells, gains well above 1 chaotic ones (Elman, GRU).
Cell random_cell(CellKind k, std::size_t hidden, std::size_t input, std::uint64_t seed, double gain);

/// Reads a cell file (docs/cells-json.md). `expected` (if not null) is the
/// kind the user asked for; a file of another kind is an error.
Cell load_cell(const std::string& path, const CellKind* expected = nullptr);
/// The same from the text of a file; `source` names it in errors.
Cell cell_from_json_text(const std::string& text, const std::string& source, const CellKind* expected = nullptr);
/// The cell as the JSON text load_cell reads.
std::string cell_to_json(const Cell& c);
/// Checks shapes and finiteness; throws CellError naming the field.
void validate(const Cell& c);

// ---- the step functions -----------------------------------------------------

namespace cell_detail {
/// acc + Σ_j M[i·cols + j] v[j]
template <class S>
S row_dot(const std::vector<S>& M, std::size_t i, std::size_t cols, const S* v, S acc) {
  const S* row = M.data() + i * cols;
  for (std::size_t j = 0; j < cols; ++j) acc = acc + row[j] * v[j];
  return acc;
}
/// The nonlinearities of kernels/cell_units.hpp on the host: numeric's.
template <class S>
struct HostFns {
  static S one() { return numeric::ScalarTraits<S>::from_int(1); }
  // unqualified, so that the automatic-differentiation types find theirs
  static S sigmoid(const S& x) {
    using numeric::sigmoid;
    return sigmoid(x);
  }
  static S tanh(const S& x) {
    using numeric::tanh;
    return tanh(x);
  }
};
/// Pointers to the parameter arrays, for kernels/cell_units.hpp.
template <class S>
std::vector<const S*> pointers(const std::vector<std::vector<S>>& P) {
  std::vector<const S*> r;
  r.reserve(P.size());
  for (const auto& p : P) r.push_back(p.data());
  return r;
}
}  // namespace cell_detail

template <class S>
void Cell::step(const std::vector<std::vector<S>>& P, const S* h, const S* x, S* out) const {
  using cell_detail::row_dot;
  using numeric::sigmoid;
  using numeric::tanh;
  const std::size_t d = hidden, m = input;
  const S one = numeric::ScalarTraits<S>::from_int(1);
  switch (kind) {
    case CellKind::Elman: {  // W U b
      for (std::size_t i = 0; i < d; ++i) out[i] = tanh(row_dot(P[1], i, m, x, row_dot(P[0], i, d, h, P[2][i])));
      return;
    }
    case CellKind::ArGru:  // GRU weights (m = 1), w_o, b_o: u = w_o·h + b_o + x, then the GRU step on u
    case CellKind::Gru: {  // W_z W_r W_h U_z U_r U_h b_z b_r b_h
      S u;
      if (kind == CellKind::ArGru) {
        u = row_dot(P[9], 0, d, h, P[10][0]) + x[0];
        x = &u;
      }
      std::vector<S> z(d), rh(d);
      for (std::size_t i = 0; i < d; ++i) {
        z[i] = sigmoid(row_dot(P[3], i, m, x, row_dot(P[0], i, d, h, P[6][i])));
        rh[i] = sigmoid(row_dot(P[4], i, m, x, row_dot(P[1], i, d, h, P[7][i]))) * h[i];
      }
      for (std::size_t i = 0; i < d; ++i) {
        const S cand = tanh(row_dot(P[5], i, m, x, row_dot(P[2], i, d, rh.data(), P[8][i])));
        out[i] = (one - z[i]) * h[i] + z[i] * cand;
      }
      return;
    }
    case CellKind::Lstm: {  // W_i W_f W_g W_o U_i U_f U_g U_o b_i b_f b_g b_o; state (c, h) unit-major
      std::vector<S> hh(d);
      for (std::size_t i = 0; i < d; ++i) hh[i] = h[2 * i + 1];
      for (std::size_t i = 0; i < d; ++i) {
        const S gi = sigmoid(row_dot(P[4], i, m, x, row_dot(P[0], i, d, hh.data(), P[8][i])));
        const S gf = sigmoid(row_dot(P[5], i, m, x, row_dot(P[1], i, d, hh.data(), P[9][i])));
        const S gg = tanh(row_dot(P[6], i, m, x, row_dot(P[2], i, d, hh.data(), P[10][i])));
        const S go = sigmoid(row_dot(P[7], i, m, x, row_dot(P[3], i, d, hh.data(), P[11][i])));
        const S c = gf * h[2 * i] + gi * gg;
        out[2 * i] = c;
        out[2 * i + 1] = go * tanh(c);
      }
      return;
    }
    case CellKind::ParaGru: {  // a_z a_r a_h B_z B_r B_h b_z b_r b_h (kernels/cell_units.hpp)
      const auto ptrs = cell_detail::pointers(P);
      for (std::size_t i = 0; i < d; ++i)
        out[i] = kernels::units::paragru_unit<cell_detail::HostFns<S>>(ptrs.data(), i, m, x, h[i],
                                                                       static_cast<S*>(nullptr));
      return;
    }
    case CellKind::ParaLstm: {  // a_f a_c a_o B_f B_c B_o c_f c_o b_f b_c b_o; state (c, h) unit-major
      const auto ptrs = cell_detail::pointers(P);
      for (std::size_t i = 0; i < d; ++i)
        kernels::units::paralstm_unit<cell_detail::HostFns<S>>(ptrs.data(), i, m, x, h[2 * i], h[2 * i + 1],
                                                               out + 2 * i, static_cast<S*>(nullptr));
      return;
    }
  }
}

template <class S>
bool Cell::step_jacobian(const std::vector<std::vector<S>>& P, const S* h, const S* x, S* out, S* J, std::size_t k) const {
  using cell_detail::row_dot;
  using numeric::sigmoid;
  using numeric::tanh;
  if (!has_step_jacobian(k)) return false;
  const std::size_t d = hidden, m = input;
  const S one = numeric::ScalarTraits<S>::from_int(1);
  if (kind == CellKind::Elman) {  // J_ii = (1 − f_i²) W_ii
    for (std::size_t i = 0; i < d; ++i) {
      out[i] = tanh(row_dot(P[1], i, m, x, row_dot(P[0], i, d, h, P[2][i])));
      J[i] = (one - out[i] * out[i]) * P[0][i * d + i];
    }
    return true;
  }
  if (kind == CellKind::Gru || kind == CellKind::ArGru) {
    // J_ii = (1 − z_i) + z_i(1 − z_i) W'_z,ii (ĥ_i − h_i)
    //        + z_i (1 − ĥ_i²) Σ_l W_h,il ∂(r_l h_l)/∂h_i  [+ U_h,i w_o,i],
    // ∂(r_l h_l)/∂h_i = δ_li r_l + h_l r_l (1 − r_l) W'_r,li, where for the
    // autoregressive GRU the input u = w_o·h + b_o + x depends on h too:
    // W'_* = W_* + U_* w_oᵀ (U_* has one column), and W' = W for the GRU.
    const bool ar = kind == CellKind::ArGru;
    S u;
    if (ar) {
      u = row_dot(P[9], 0, d, h, P[10][0]) + x[0];
      x = &u;
    }
    auto Wz = [&](std::size_t i, std::size_t j) { return ar ? P[0][i * d + j] + P[3][i] * P[9][j] : P[0][i * d + j]; };
    auto Wr = [&](std::size_t i, std::size_t j) { return ar ? P[1][i * d + j] + P[4][i] * P[9][j] : P[1][i * d + j]; };
    std::vector<S> z(d), r(d), rh(d), q(d);
    for (std::size_t i = 0; i < d; ++i) {
      z[i] = sigmoid(row_dot(P[3], i, m, x, row_dot(P[0], i, d, h, P[6][i])));
      r[i] = sigmoid(row_dot(P[4], i, m, x, row_dot(P[1], i, d, h, P[7][i])));
      rh[i] = r[i] * h[i];
      q[i] = h[i] * (r[i] * (one - r[i]));
    }
    for (std::size_t i = 0; i < d; ++i) {
      const S cand = tanh(row_dot(P[5], i, m, x, row_dot(P[2], i, d, rh.data(), P[8][i])));
      out[i] = (one - z[i]) * h[i] + z[i] * cand;
      S acc = P[2][i * d + i] * r[i];
      for (std::size_t l = 0; l < d; ++l) acc = acc + P[2][i * d + l] * (q[l] * Wr(l, i));
      if (ar) acc = acc + P[5][i] * P[9][i];
      J[i] = (one - z[i]) + (z[i] * (one - z[i]) * Wz(i, i)) * (cand - h[i]) + z[i] * ((one - cand * cand) * acc);
    }
    return true;
  }
  if (kind == CellKind::ParaGru) {
    const auto ptrs = cell_detail::pointers(P);
    for (std::size_t i = 0; i < d; ++i)
      out[i] = kernels::units::paragru_unit<cell_detail::HostFns<S>>(ptrs.data(), i, m, x, h[i], J + i);
    return true;
  }
  if (kind == CellKind::ParaLstm) {
    const auto ptrs = cell_detail::pointers(P);
    for (std::size_t i = 0; i < d; ++i)
      kernels::units::paralstm_unit<cell_detail::HostFns<S>>(ptrs.data(), i, m, x, h[2 * i], h[2 * i + 1], out + 2 * i,
                                                             J + 4 * i);
    return true;
  }
  return false;
}

}  // namespace parallax::models
