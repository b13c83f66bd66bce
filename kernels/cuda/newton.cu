// Newton solves of ParaGRU, ParaLSTM (exact structured Jacobians) and GRU
// (quasi-DEER: the diagonal of its Jacobian) on the device, their sequential
// baseline, and the backward pass (api.hpp).
//
// One iteration at the iterate h⁽ⁱ⁾ solves h_t = A_t h_{t−1} + (f_t − A_t h⁽ⁱ⁾_{t−1})
// (src/solve/newton.hpp). For the elementwise cells every (sequence, unit) is
// an independent segment, and the scan's source evaluates the cell and its
// Jacobian block at h⁽ⁱ⁾_{t−1} inside the load: linearisation, scan and update
// are one kernel. Its sink writes h⁽ⁱ⁺¹⁾ and raises a per-sequence flag where
// |h⁽ⁱ⁺¹⁾ − h⁽ⁱ⁾| > atol + rtol·|h⁽ⁱ⁺¹⁾| or a value is not finite; a small kernel
// then retires converged (or non-finite) sequences, whose segments the next
// launches skip. The GRU's source needs the whole previous state, so its
// linearisation is a kernel of its own (one thread per (sequence, t)) that
// writes the diagonal affine pairs, scanned from memory.
//
// Device layout of the iterates: [sequence][unit][t] (ParaLSTM:
// [sequence][unit][t][2]), so that a warp's loads along t are coalesced; the
// host arrays are [sequence][t][n] and are transposed on the way.
#include <cmath>
#include <string>
#include <vector>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/layered.cuh"
#include "kernels/cuda/sources.cuh"
#include "kernels/cell_units.hpp"

namespace parallax::kernels::cuda {

namespace {

/// The nonlinearities of kernels/cell_units.hpp on the device.
template <class T>
struct DeviceFns {
  __host__ __device__ static T one() { return T(1); }
  __host__ __device__ static T sigmoid(const T& x) { return T(1) / (T(1) + exp(-x)); }
  __host__ __device__ static T tanh(const T& x) { return ::tanh(x); }
};

constexpr int kMaxParams = 12;

/// Device pointers to the cell's parameters.
template <class T>
struct Params {
  const T* p[kMaxParams];
  std::size_t d, m;
};

template <class T>
Params<T> device_params(const CellWeights<T>& w, const DeviceBuffer<T>& values) {
  if (w.offsets.size() > static_cast<std::size_t>(kMaxParams)) throw std::invalid_argument("newton_solve: too many parameters");
  Params<T> P{};
  for (std::size_t i = 0; i < w.offsets.size(); ++i) P.p[i] = values.get() + w.offsets[i];
  P.d = w.hidden;
  P.m = w.input;
  return P;
}

std::size_t state_dim(const CellWeights<double>& w) { return w.kind == DeviceCell::ParaLstm ? 2 * w.hidden : w.hidden; }
std::size_t state_dim(const CellWeights<float>& w) { return w.kind == DeviceCell::ParaLstm ? 2 * w.hidden : w.hidden; }

__device__ inline bool finite(float x) { return isfinite(x); }
__device__ inline bool finite(double x) { return isfinite(x); }

/// Per-sequence flags of one iteration.
struct Flags {
  unsigned* moving;     ///< some entry moved more than the tolerance
  unsigned* nonfinite;  ///< some entry is NaN or ±Inf
};

template <class T>
__device__ void check_entry(const Flags& f, std::size_t seq, T now, T before, T atol, T rtol) {
  if (!finite(now)) f.nonfinite[seq] = 1u;
  else if (!(fabs(now - before) <= atol + rtol * fabs(now))) f.moving[seq] = 1u;
}

// ---- ParaGRU: diagonal, one segment per (sequence, unit) ----

template <class T>
struct ParaGruSource {
  Params<T> P;
  const T* X;     // [seq][t][m]
  const T* h0;    // [seq][d]
  const T* Hold;  // [seq][unit][t]
  std::size_t len;
  __device__ DiagElem<T> operator()(std::size_t seg, std::size_t t) const {
    const std::size_t seq = seg / P.d, i = seg % P.d;
    const T hp = t == 0 ? h0[seq * P.d + i] : Hold[seg * len + t - 1];
    T J;
    const T f = units::paragru_unit<DeviceFns<T>>(P.p, i, P.m, X + (seq * len + t) * P.m, hp, &J);
    const DiagElem<T> e{J, f - J * hp};
    return t == 0 ? DiagElem<T>::constant(e, &hp) : e;
  }
};

template <class T>
struct DiagNewtonSink {
  T* Hnew;
  const T* Hold;
  std::size_t len, units;
  T atol, rtol;
  Flags flags;
  __device__ void operator()(std::size_t seg, std::size_t t, const DiagElem<T>& e) const {
    const std::size_t k = seg * len + t;
    Hnew[k] = e.b;
    check_entry(flags, seg / units, e.b, Hold[k], atol, rtol);
  }
};

// ---- ParaLSTM: 2×2 blocks, one segment per (sequence, unit) ----

template <class T>
struct ParaLstmSource {
  Params<T> P;
  const T* X;
  const T* h0;    // [seq][2d]
  const T* Hold;  // [seq][unit][t][2]
  std::size_t len;
  __device__ BlockElem<T, 2> operator()(std::size_t seg, std::size_t t) const {
    const std::size_t seq = seg / P.d, i = seg % P.d;
    T hp[2];
    if (t == 0) hp[0] = h0[seq * 2 * P.d + 2 * i], hp[1] = h0[seq * 2 * P.d + 2 * i + 1];
    else hp[0] = Hold[(seg * len + t - 1) * 2], hp[1] = Hold[(seg * len + t - 1) * 2 + 1];
    BlockElem<T, 2> e;
    T f[2];
    units::paralstm_unit<DeviceFns<T>>(P.p, i, P.m, X + (seq * len + t) * P.m, hp[0], hp[1], f, e.m);
    e.b[0] = f[0] - (e.m[0] * hp[0] + e.m[1] * hp[1]);
    e.b[1] = f[1] - (e.m[2] * hp[0] + e.m[3] * hp[1]);
    return t == 0 ? BlockElem<T, 2>::constant(e, hp) : e;
  }
};

template <class T>
struct BlockNewtonSink {
  T* Hnew;
  const T* Hold;
  std::size_t len, units;
  T atol, rtol;
  Flags flags;
  __device__ void operator()(std::size_t seg, std::size_t t, const BlockElem<T, 2>& e) const {
    const std::size_t k = (seg * len + t) * 2;
    Hnew[k] = e.b[0];
    Hnew[k + 1] = e.b[1];
    check_entry(flags, seg / units, e.b[0], Hold[k], atol, rtol);
    check_entry(flags, seg / units, e.b[1], Hold[k + 1], atol, rtol);
  }
};

// ---- GRU (dense weights), quasi-DEER ----

constexpr int kGruMaxHidden = 64;

/// f and the diagonal of ∂f/∂h of the GRU (W_z W_r W_h U_z U_r U_h b_z b_r b_h)
/// at h for input x: the formulas of models::Cell::step_jacobian for the GRU.
template <class T>
__device__ void gru_f_diag(const Params<T>& P, const T* h, const T* x, T* f, T* J) {
  using units::row_dot;
  using F = DeviceFns<T>;
  const std::size_t d = P.d, m = P.m;
  T z[kGruMaxHidden], r[kGruMaxHidden], rh[kGruMaxHidden], q[kGruMaxHidden];
  for (std::size_t i = 0; i < d; ++i) {
    z[i] = F::sigmoid(row_dot(P.p[3], i, m, x, row_dot(P.p[0], i, d, h, P.p[6][i])));
    r[i] = F::sigmoid(row_dot(P.p[4], i, m, x, row_dot(P.p[1], i, d, h, P.p[7][i])));
    rh[i] = r[i] * h[i];
    q[i] = h[i] * (r[i] * (T(1) - r[i]));
  }
  for (std::size_t i = 0; i < d; ++i) {
    const T cand = F::tanh(row_dot(P.p[5], i, m, x, row_dot(P.p[2], i, d, rh, P.p[8][i])));
    f[i] = (T(1) - z[i]) * h[i] + z[i] * cand;
    if (J) {
      T acc = P.p[2][i * d + i] * r[i];
      for (std::size_t l = 0; l < d; ++l) acc = acc + P.p[2][i * d + l] * (q[l] * P.p[1][l * d + i]);
      J[i] = (T(1) - z[i]) + (z[i] * (T(1) - z[i]) * P.p[0][i * d + i]) * (cand - h[i]) +
             z[i] * ((T(1) - cand * cand) * acc);
    }
  }
}

/// One thread per (sequence, t): the affine pair (J_t, f_t − J_t h_{t−1}) of
/// every unit, into A, B [seq][unit][t]; h_{t−1} from Hold [seq][unit][t].
template <class T>
__global__ void gru_linearize_kernel(Params<T> P, const T* X, const T* h0, const T* Hold, std::size_t batch,
                                     std::size_t len, T* A, T* B, const std::uint8_t* active) {
  const std::size_t k = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= batch * len) return;
  const std::size_t seq = k / len, t = k % len, d = P.d;
  if (active[seq] == 0) return;
  T h[kGruMaxHidden], f[kGruMaxHidden], J[kGruMaxHidden];
  for (std::size_t i = 0; i < d; ++i) h[i] = t == 0 ? h0[seq * d + i] : Hold[(seq * d + i) * len + t - 1];
  gru_f_diag(P, h, X + (seq * len + t) * P.m, f, J);
  for (std::size_t i = 0; i < d; ++i) {
    A[(seq * d + i) * len + t] = J[i];
    B[(seq * d + i) * len + t] = f[i] - J[i] * h[i];
  }
}

// ---- initial guesses, bookkeeping, layouts ----

/// H⁽⁰⁾_t = f(0, x_t), device layout.
template <class T>
__global__ void init_f0_kernel(DeviceCell kind, Params<T> P, const T* X, std::size_t batch, std::size_t len, T* H) {
  const std::size_t k = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= batch * len) return;
  const std::size_t seq = k / len, t = k % len, d = P.d;
  const T* x = X + (seq * len + t) * P.m;
  if (kind == DeviceCell::ParaGru) {
    for (std::size_t i = 0; i < d; ++i)
      H[(seq * d + i) * len + t] = units::paragru_unit<DeviceFns<T>>(P.p, i, P.m, x, T(0), static_cast<T*>(nullptr));
  } else if (kind == DeviceCell::ParaLstm) {
    for (std::size_t i = 0; i < d; ++i)
      units::paralstm_unit<DeviceFns<T>>(P.p, i, P.m, x, T(0), T(0), H + ((seq * d + i) * len + t) * 2,
                                                 static_cast<T*>(nullptr));
  } else {
    T h[kGruMaxHidden], f[kGruMaxHidden];
    for (std::size_t i = 0; i < d; ++i) h[i] = T(0);
    gru_f_diag(P, h, x, f, static_cast<T*>(nullptr));
    for (std::size_t i = 0; i < d; ++i) H[(seq * d + i) * len + t] = f[i];
  }
}

/// After an iteration: count it for every active sequence and retire those
/// that converged (tolerance mode), reached the fixed count, or went
/// non-finite. *still_active counts the sequences left.
__global__ void retire_kernel(std::size_t batch, Flags flags, std::uint8_t* active, int* iterations,
                              std::uint8_t* converged, std::uint8_t* nonfinite, int fixed_iters, int max_iter,
                              unsigned* still_active) {
  const std::size_t s = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (s >= batch || active[s] == 0) return;
  const int it = ++iterations[s];
  bool done = false;
  if (flags.nonfinite[s]) nonfinite[s] = 1, done = true;
  else if (fixed_iters > 0) done = it >= fixed_iters, converged[s] = done ? 1 : 0;
  else if (!flags.moving[s]) converged[s] = 1, done = true;
  else if (it >= max_iter) done = true;
  if (done) active[s] = 0;
  else atomicAdd(still_active, 1u);
}

/// Host layout [seq][t][n] ↔ device layout [seq][unit][t][w] (n = units·w).
template <class T>
__global__ void to_device_layout(const T* in, std::size_t batch, std::size_t len, std::size_t units, int w, T* out) {
  const std::size_t k = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= batch * len * units * w) return;
  const std::size_t c = k % w, rest = k / w, i = rest % units, rest2 = rest / units, t = rest2 % len, s = rest2 / len;
  out[((s * units + i) * len + t) * w + c] = in[k];
}
/// The reverse, choosing per sequence the buffer of its last iteration.
template <class T>
__global__ void to_host_layout(const T* buf0, const T* buf1, const int* iterations, std::size_t batch, std::size_t len,
                               std::size_t units, int w, T* out) {
  const std::size_t k = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= batch * len * units * w) return;
  const std::size_t c = k % w, rest = k / w, i = rest % units, rest2 = rest / units, t = rest2 % len, s = rest2 / len;
  const T* src = iterations == nullptr || iterations[s] % 2 == 0 ? buf0 : buf1;
  out[k] = src[((s * units + i) * len + t) * w + c];
}

template <class T>
void validate(const CellWeights<T>& w, std::size_t batch, std::size_t len) {
  const std::size_t want = w.kind == DeviceCell::ParaLstm ? 11 : 9;
  if (w.offsets.size() != want)
    throw std::invalid_argument("newton_solve: " + std::to_string(w.offsets.size()) + " parameters, expected " +
                                std::to_string(want));
  if (w.hidden == 0 || w.input == 0) throw std::invalid_argument("newton_solve: hidden and input sizes must be positive");
  if (w.kind == DeviceCell::Gru && w.hidden > static_cast<std::size_t>(kGruMaxHidden))
    throw std::invalid_argument("newton_solve: the device GRU has at most 64 units");
  (void)batch, (void)len;
}

}  // namespace

template <class T>
NewtonResult newton_solve(const CellWeights<T>& w, const T* X, const T* h0, std::size_t batch, std::size_t len, T* H,
                          const NewtonOptions& o) {
  validate(w, batch, len);
  require_device();
  WallTimer wall;
  NewtonResult res;
  res.iterations.assign(batch, 0);
  res.converged.assign(batch, 0);
  res.nonfinite.assign(batch, 0);
  if (batch == 0 || len == 0) return res;
  const std::size_t d = w.hidden, n = state_dim(w), wdt = n / d;
  DeviceBuffer<T> values(w.values.data(), w.values.size()), dX(X, batch * len * w.input), dh0(h0, batch * n);
  DeviceBuffer<T> buf0(batch * len * n), buf1(batch * len * n), out(batch * len * n);
  DeviceBuffer<unsigned> moving(batch), nonfin(batch), still(1);
  DeviceBuffer<std::uint8_t> active(batch), conv(batch), nf(batch);
  DeviceBuffer<int> iters(batch);
  DeviceBuffer<T> A, B;
  if (w.kind == DeviceCell::Gru) A = DeviceBuffer<T>(batch * len * d), B = DeviceBuffer<T>(batch * len * d);
  const Params<T> P = device_params(w, values);
  const Flags flags{moving.get(), nonfin.get()};
  check(cudaMemset(active.get(), 1, batch), "cudaMemset");
  conv.zero(), nf.zero(), iters.zero(), nonfin.zero();
  const int max_iter = o.fixed_iters > 0 ? o.fixed_iters : o.max_iter > 0 ? o.max_iter : static_cast<int>(len) + 1;
  const int threads = 256;
  EventTimer ev;
  ev.start();
  if (o.init_f0)
    init_f0_kernel<T><<<grid_for(batch * len, threads), threads>>>(w.kind, P, dX.get(), batch, len, buf0.get());
  else
    buf0.zero();
  check(cudaGetLastError(), "init_f0_kernel");
  TileStateBuffer scratch;
  T* bufs[2] = {buf0.get(), buf1.get()};
  const T atol = static_cast<T>(o.atol), rtol = static_cast<T>(o.rtol);
  for (int it = 0; it < max_iter; ++it) {
    const T* Hold = bufs[it % 2];
    T* Hnew = bufs[(it + 1) % 2];
    moving.zero();
    switch (w.kind) {
      case DeviceCell::ParaGru:
        device_scan<DiagElem<T>>(batch * d, len, ParaGruSource<T>{P, dX.get(), dh0.get(), Hold, len},
                                 DiagNewtonSink<T>{Hnew, Hold, len, d, atol, rtol, flags}, scratch, active.get(), d);
        break;
      case DeviceCell::ParaLstm:
        device_scan<BlockElem<T, 2>>(batch * d, len, ParaLstmSource<T>{P, dX.get(), dh0.get(), Hold, len},
                                     BlockNewtonSink<T>{Hnew, Hold, len, d, atol, rtol, flags}, scratch, active.get(), d);
        break;
      case DeviceCell::Gru:
        gru_linearize_kernel<T><<<grid_for(batch * len, 128), 128>>>(P, dX.get(), dh0.get(), Hold, batch, len, A.get(),
                                                                      B.get(), active.get());
        check(cudaGetLastError(), "gru_linearize_kernel");
        device_scan<DiagElem<T>>(batch * d, len, DiagArraySource<T>{A.get(), B.get(), dh0.get(), len},
                                 DiagNewtonSink<T>{Hnew, Hold, len, d, atol, rtol, flags}, scratch, active.get(), d);
        break;
    }
    still.zero();
    retire_kernel<<<grid_for(batch, 128), 128>>>(batch, flags, active.get(), iters.get(), conv.get(), nf.get(),
                                                 o.fixed_iters, max_iter, still.get());
    check(cudaGetLastError(), "retire_kernel");
    unsigned left = 0;
    still.download(&left);  // the per-sequence stopping test ran on the device; one word comes back
    res.sweeps = it + 1;
    if (left == 0) break;
  }
  to_host_layout<T><<<grid_for(batch * len * n, threads), threads>>>(buf0.get(), buf1.get(), iters.get(), batch, len, d,
                                                                     static_cast<int>(wdt), out.get());
  check(cudaGetLastError(), "to_host_layout");
  res.timing.kernel_ms = ev.stop();
  out.download(H);
  iters.download(res.iterations.data());
  conv.download(res.converged.data());
  nf.download(res.nonfinite.data());
  res.timing.total_ms = wall.ms();
  return res;
}

// ---- the sequential baseline ----

namespace {
/// One thread per (sequence, unit) of an elementwise cell.
template <class T>
__global__ void sequential_elementwise_kernel(DeviceCell kind, Params<T> P, const T* X, const T* h0, std::size_t batch,
                                              std::size_t len, T* H) {
  const std::size_t k = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::size_t d = P.d;
  if (k >= batch * d) return;
  const std::size_t seq = k / d, i = k % d;
  if (kind == DeviceCell::ParaGru) {
    T h = h0[seq * d + i];
    for (std::size_t t = 0; t < len; ++t) {
      h = units::paragru_unit<DeviceFns<T>>(P.p, i, P.m, X + (seq * len + t) * P.m, h, static_cast<T*>(nullptr));
      H[(seq * len + t) * d + i] = h;
    }
  } else {
    T c = h0[seq * 2 * d + 2 * i], h = h0[seq * 2 * d + 2 * i + 1], out[2];
    for (std::size_t t = 0; t < len; ++t) {
      units::paralstm_unit<DeviceFns<T>>(P.p, i, P.m, X + (seq * len + t) * P.m, c, h, out,
                                                 static_cast<T*>(nullptr));
      c = out[0], h = out[1];
      H[(seq * len + t) * 2 * d + 2 * i] = c;
      H[(seq * len + t) * 2 * d + 2 * i + 1] = h;
    }
  }
}

/// One block per sequence, one thread per unit (the GRU couples its units,
/// so every step ends with a barrier).
template <class T>
__global__ void sequential_gru_kernel(Params<T> P, const T* X, const T* h0, std::size_t len, T* H) {
  using units::row_dot;
  using F = DeviceFns<T>;
  __shared__ T h[kGruMaxHidden], rh[kGruMaxHidden];
  const std::size_t seq = blockIdx.x, i = threadIdx.x, d = P.d, m = P.m;
  h[i] = h0[seq * d + i];
  __syncthreads();
  for (std::size_t t = 0; t < len; ++t) {
    const T* x = X + (seq * len + t) * m;
    const T z = F::sigmoid(row_dot(P.p[3], i, m, x, row_dot(P.p[0], i, d, h, P.p[6][i])));
    const T r = F::sigmoid(row_dot(P.p[4], i, m, x, row_dot(P.p[1], i, d, h, P.p[7][i])));
    rh[i] = r * h[i];
    __syncthreads();
    const T cand = F::tanh(row_dot(P.p[5], i, m, x, row_dot(P.p[2], i, d, rh, P.p[8][i])));
    const T next = (T(1) - z) * h[i] + z * cand;
    __syncthreads();
    h[i] = next;
    H[(seq * len + t) * d + i] = next;
    __syncthreads();
  }
}
}  // namespace

template <class T>
Timing sequential_cell(const CellWeights<T>& w, const T* X, const T* h0, std::size_t batch, std::size_t len, T* H) {
  validate(w, batch, len);
  require_device();
  WallTimer wall;
  Timing tm;
  if (batch == 0 || len == 0) return tm;
  const std::size_t d = w.hidden, n = state_dim(w);
  DeviceBuffer<T> values(w.values.data(), w.values.size()), dX(X, batch * len * w.input), dh0(h0, batch * n);
  DeviceBuffer<T> dH(batch * len * n);
  const Params<T> P = device_params(w, values);
  EventTimer ev;
  ev.start();
  if (w.kind == DeviceCell::Gru)
    sequential_gru_kernel<T><<<static_cast<unsigned>(batch), static_cast<unsigned>(d)>>>(P, dX.get(), dh0.get(), len, dH.get());
  else
    sequential_elementwise_kernel<T><<<grid_for(batch * d, 128), 128>>>(w.kind, P, dX.get(), dh0.get(), batch, len,
                                                                        dH.get());
  check(cudaGetLastError(), "sequential cell kernel");
  tm.kernel_ms = ev.stop();
  dH.download(H);
  tm.total_ms = wall.ms();
  return tm;
}

// ---- the backward pass ----

namespace {
/// λ in reversed time r = len−1−t: element (J_{t+1}ᵀ, G_t), r = 0 constant G_{len−1}.
template <class T>
struct ParaGruAdjointSource {
  Params<T> P;
  const T* X;  // [seq][t][m]
  const T* H;  // [seq][t][d]
  const T* G;  // [seq][t][d]
  std::size_t len;
  __device__ DiagElem<T> operator()(std::size_t seg, std::size_t r) const {
    const std::size_t seq = seg / P.d, i = seg % P.d, t = len - 1 - r, d = P.d;
    const T g = G[(seq * len + t) * d + i];
    if (r == 0) return DiagElem<T>{T(0), g};
    T J;
    units::paragru_unit<DeviceFns<T>>(P.p, i, P.m, X + (seq * len + t + 1) * P.m, H[(seq * len + t) * d + i], &J);
    return DiagElem<T>{J, g};
  }
};
template <class T>
struct ParaLstmAdjointSource {
  Params<T> P;
  const T* X;
  const T* H;  // [seq][t][2d]
  const T* G;
  std::size_t len;
  __device__ BlockElem<T, 2> operator()(std::size_t seg, std::size_t r) const {
    const std::size_t seq = seg / P.d, i = seg % P.d, t = len - 1 - r, n = 2 * P.d;
    BlockElem<T, 2> e;
    e.b[0] = G[(seq * len + t) * n + 2 * i];
    e.b[1] = G[(seq * len + t) * n + 2 * i + 1];
    if (r == 0) {
      e.m[0] = e.m[1] = e.m[2] = e.m[3] = T(0);
      return e;
    }
    T J[4], f[2];
    const T* h = H + (seq * len + t) * n + 2 * i;
    units::paralstm_unit<DeviceFns<T>>(P.p, i, P.m, X + (seq * len + t + 1) * P.m, h[0], h[1], f, J);
    e.m[0] = J[0], e.m[1] = J[2], e.m[2] = J[1], e.m[3] = J[3];  // transposed
    return e;
  }
};
/// λ_t into [seq][t][n] at reversed position r.
template <class T>
struct AdjointSink {
  T* lambda;
  std::size_t len, units;
  int w;
  template <class E>
  __device__ void operator()(std::size_t seg, std::size_t r, const E& e) const {
    const std::size_t seq = seg / units, i = seg % units, t = len - 1 - r;
    for (int c = 0; c < w; ++c) lambda[(seq * len + t) * units * w + i * w + c] = e.state(c);
  }
};
}  // namespace

template <class T>
Timing adjoint_scan(const CellWeights<T>& w, const T* X, const T* H, const T* G, std::size_t batch, std::size_t len,
                    T* lambda) {
  validate(w, batch, len);
  if (w.kind == DeviceCell::Gru)
    throw std::invalid_argument("adjoint_scan: the GRU's device solve is quasi-DEER (a diagonal approximation); its "
                                "exact adjoint needs the dense Jacobian, which the device does not scan");
  require_device();
  WallTimer wall;
  Timing tm;
  if (batch == 0 || len == 0) return tm;
  const std::size_t d = w.hidden, n = state_dim(w);
  DeviceBuffer<T> values(w.values.data(), w.values.size()), dX(X, batch * len * w.input), dH(H, batch * len * n),
      dG(G, batch * len * n), dL(batch * len * n);
  const Params<T> P = device_params(w, values);
  TileStateBuffer scratch;
  EventTimer ev;
  ev.start();
  if (w.kind == DeviceCell::ParaGru)
    device_scan<DiagElem<T>>(batch * d, len, ParaGruAdjointSource<T>{P, dX.get(), dH.get(), dG.get(), len},
                             AdjointSink<T>{dL.get(), len, d, 1}, scratch);
  else
    device_scan<BlockElem<T, 2>>(batch * d, len, ParaLstmAdjointSource<T>{P, dX.get(), dH.get(), dG.get(), len},
                                 AdjointSink<T>{dL.get(), len, d, 2}, scratch);
  tm.kernel_ms = ev.stop();
  dL.download(lambda);
  tm.total_ms = wall.ms();
  return tm;
}

#define PARALLAX_NEWTON_INSTANTIATE(T)                                                                              \
  template NewtonResult newton_solve<T>(const CellWeights<T>&, const T*, const T*, std::size_t, std::size_t, T*,    \
                                        const NewtonOptions&);                                                      \
  template Timing sequential_cell<T>(const CellWeights<T>&, const T*, const T*, std::size_t, std::size_t, T*);      \
  template Timing adjoint_scan<T>(const CellWeights<T>&, const T*, const T*, const T*, std::size_t, std::size_t, T*);
PARALLAX_NEWTON_INSTANTIATE(float)
PARALLAX_NEWTON_INSTANTIATE(double)

}  // namespace parallax::kernels::cuda
