#pragma once
// The elementwise cells of ParaRNN, one unit at a time, as PARALLAX_HD
// templates: the one definition of ParaGRU's and ParaLSTM's step and exact
// Jacobian, used by models::Cell (CPU, every scalar type) and by the CUDA
// Newton kernels (kernels/cuda/newton.cu).
//
// P[k] points at the cell's k-th parameter (the order of models::cell_param_shapes);
// unit i reads row i of the input matrices (m columns). Fn supplies the
// nonlinearities and the constant 1 of the scalar S:
//   static S one();  static S sigmoid(const S&);  static S tanh(const S&);
#include <cstddef>

#include "kernels/hd.hpp"

namespace parallax::kernels::units {

/// acc + Σ_j M[i·cols + j] v[j]
template <class S>
PARALLAX_HD S row_dot(const S* M, std::size_t i, std::size_t cols, const S* v, S acc) {
  const S* row = M + i * cols;
  for (std::size_t j = 0; j < cols; ++j) acc = acc + row[j] * v[j];
  return acc;
}

/// ParaGRU unit i (parameters a_z a_r a_h B_z B_r B_h b_z b_r b_h):
///   z = σ(B_z x + a_z h + b_z), r = σ(B_r x + a_r h + b_r),
///   ĥ = tanh(B_h x + a_h (h r) + b_h),  out = (1 − z) h + z ĥ.
/// J (if not null) receives ∂out/∂h.
template <class Fn, class S>
PARALLAX_HD S paragru_unit(const S* const* P, std::size_t i, std::size_t m, const S* x, const S& h, S* J) {
  const S one = Fn::one();
  const S z = Fn::sigmoid(row_dot(P[3], i, m, x, P[0][i] * h + P[6][i]));
  const S r = Fn::sigmoid(row_dot(P[4], i, m, x, P[1][i] * h + P[7][i]));
  const S cand = Fn::tanh(row_dot(P[5], i, m, x, P[2][i] * (h * r) + P[8][i]));
  const S out = (one - z) * h + z * cand;
  if (J) {
    const S dz = z * (one - z) * P[0][i];
    const S dr = r * (one - r) * P[1][i];
    const S dcand = (one - cand * cand) * (P[2][i] * (r + h * dr));
    *J = (one - z) + dz * (cand - h) + z * dcand;
  }
  return out;
}

/// ParaLSTM unit i (parameters a_f a_c a_o B_f B_c B_o c_f c_o b_f b_c b_o),
/// state (c, h):
///   f = σ(B_f x + a_f h + c_f c + b_f),  c' = f c + (1 − f) tanh(B_c x + a_c h + b_c),
///   o = σ(B_o x + a_o h + c_o c' + b_o),  h' = o tanh(c').
/// out[0] = c', out[1] = h'; J (if not null) the 2×2 block ∂(c', h')/∂(c, h), row-major.
template <class Fn, class S>
PARALLAX_HD void paralstm_unit(const S* const* P, std::size_t i, std::size_t m, const S* x, const S& c, const S& hv,
                               S* out, S* J) {
  const S one = Fn::one();
  const S f = Fn::sigmoid(row_dot(P[3], i, m, x, P[0][i] * hv + P[6][i] * c + P[8][i]));
  const S g = Fn::tanh(row_dot(P[4], i, m, x, P[1][i] * hv + P[9][i]));
  const S cn = f * c + (one - f) * g;
  const S o = Fn::sigmoid(row_dot(P[5], i, m, x, P[2][i] * hv + P[7][i] * cn + P[10][i]));
  const S tn = Fn::tanh(cn);
  out[0] = cn;
  out[1] = o * tn;
  if (J) {
    const S fs = f * (one - f), os = o * (one - o), ts = one - tn * tn;
    const S dcn_dc = f + fs * P[6][i] * (c - g);
    const S dcn_dh = fs * P[0][i] * (c - g) + (one - f) * ((one - g * g) * P[1][i]);
    const S do_dc = os * (P[7][i] * dcn_dc);
    const S do_dh = os * (P[2][i] + P[7][i] * dcn_dh);
    J[0] = dcn_dc;
    J[1] = dcn_dh;
    J[2] = do_dc * tn + o * (ts * dcn_dc);
    J[3] = do_dh * tn + o * (ts * dcn_dh);
  }
}

}  // namespace parallax::kernels::units
