#pragma once
// Automatic differentiation over the numeric scalars, so that a recurrent
// cell written once as a template (src/models/cell.hpp) yields its Jacobians
// and vector-Jacobian products with no hand-written derivative.
//
//  * Dual<T>: forward mode, one tangent. Evaluating f on duals whose tangents
//    hold a direction v gives f and the Jacobian-vector product J v in one
//    pass. Structured Jacobians (diagonal, k×k blocks) come from k passes
//    with compressed seeds (solve/jacobian.hpp).
//  * Var<T>: reverse mode on a thread-local tape. Recording one call of f and
//    sweeping the tape backwards from a cotangent w gives wᵀ J with respect to
//    every recorded input at once (states, inputs, parameters), at a small
//    constant multiple of the cost of f.
//
// Both follow the scalar interface (ScalarTraits, the arithmetic operators,
// exp / log / tanh of numeric/functions.hpp), each derivative rule rounded in
// T like any other operation.
#include <cstdint>
#include <limits>
#include <vector>

#include "numeric/functions.hpp"
#include "numeric/scalar_traits.hpp"

namespace parallax::numeric {

// ---- forward mode -----------------------------------------------------------

template <class T>
struct Dual {
  T v{};  ///< value
  T d{};  ///< tangent
  Dual() = default;
  Dual(T value, T tangent) : v(std::move(value)), d(std::move(tangent)) {}
  /// A constant: zero tangent.
  static Dual constant(T value) { return Dual(std::move(value), ScalarTraits<T>::from_int(0)); }
};

template <class T>
Dual<T> operator+(const Dual<T>& a, const Dual<T>& b) { return {a.v + b.v, a.d + b.d}; }
template <class T>
Dual<T> operator-(const Dual<T>& a, const Dual<T>& b) { return {a.v - b.v, a.d - b.d}; }
template <class T>
Dual<T> operator-(const Dual<T>& a) { return {-a.v, -a.d}; }
template <class T>
Dual<T> operator*(const Dual<T>& a, const Dual<T>& b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
template <class T>
Dual<T> operator/(const Dual<T>& a, const Dual<T>& b) {
  const T q = a.v / b.v;
  return {q, (a.d - q * b.d) / b.v};
}
template <class T>
Dual<T> exp(const Dual<T>& a) {
  const T e = exp(a.v);
  return {e, e * a.d};
}
template <class T>
Dual<T> log(const Dual<T>& a) { return {log(a.v), a.d / a.v}; }
template <class T>
Dual<T> tanh(const Dual<T>& a) {
  const T y = tanh(a.v);
  return {y, (ScalarTraits<T>::from_int(1) - y * y) * a.d};
}

template <class T>
struct ScalarTraits<Dual<T>> {
  static constexpr const char* name = "dual";
  static constexpr Arithmetic arithmetic = ScalarTraits<T>::arithmetic;
  static Dual<T> from_exact(const Exact& q) { return Dual<T>::constant(ScalarTraits<T>::from_exact(q)); }
  static Dual<T> from_int(long long v) { return Dual<T>::constant(ScalarTraits<T>::from_int(v)); }
  static Dual<T> from_double(double v) { return Dual<T>::constant(ScalarTraits<T>::from_double(v)); }
  static double to_double(const Dual<T>& x) { return ScalarTraits<T>::to_double(x.v); }
  static Sign sign(const Dual<T>& x) { return ScalarTraits<T>::sign(x.v); }
  static std::string to_string(const Dual<T>& x) { return ScalarTraits<T>::to_string(x.v); }
  static bool is_finite(const Dual<T>& x) { return ScalarTraits<T>::is_finite(x.v); }
};

// ---- reverse mode -----------------------------------------------------------

/// The thread's tape of T-valued operations. Node i has up to two parents
/// with their local partial derivatives.
template <class T>
class Tape {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  struct Node {
    std::uint32_t a = kNone, b = kNone;
    T da{}, db{};
  };
  static Tape& current() {
    thread_local Tape tape;
    return tape;
  }
  std::uint32_t push(std::uint32_t a, T da, std::uint32_t b, T db) {
    nodes_.push_back(Node{a, b, std::move(da), std::move(db)});
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  std::uint32_t leaf() { return push(kNone, T{}, kNone, T{}); }
  std::size_t size() const { return nodes_.size(); }
  void clear() { nodes_.clear(); }
  /// Adjoints of every node given the adjoints of some (adj sized to size(),
  /// zeros elsewhere); sweeps from the last node back to `first`.
  void backward(std::vector<T>& adj, std::size_t first = 0) const {
    for (std::size_t i = nodes_.size(); i-- > first;) {
      const Node& n = nodes_[i];
      if (ScalarTraits<T>::sign(adj[i]) == Sign::Zero) continue;
      if (n.a != kNone) adj[n.a] = adj[n.a] + n.da * adj[i];
      if (n.b != kNone) adj[n.b] = adj[n.b] + n.db * adj[i];
    }
  }

 private:
  std::vector<Node> nodes_;
};

/// A value recorded on the thread's tape (id = kNone: a constant).
template <class T>
struct Var {
  T v{};
  std::uint32_t id = Tape<T>::kNone;
  Var() = default;
  Var(T value, std::uint32_t node) : v(std::move(value)), id(node) {}
  static Var constant(T value) { return Var(std::move(value), Tape<T>::kNone); }
  /// A new independent variable (a leaf of the tape).
  static Var input(T value) { return Var(std::move(value), Tape<T>::current().leaf()); }
};

namespace detail {
template <class T>
Var<T> unary(T value, const Var<T>& a, T da) {
  if (a.id == Tape<T>::kNone) return Var<T>::constant(std::move(value));
  return Var<T>(std::move(value), Tape<T>::current().push(a.id, std::move(da), Tape<T>::kNone, T{}));
}
template <class T>
Var<T> binary(T value, const Var<T>& a, T da, const Var<T>& b, T db) {
  if (a.id == Tape<T>::kNone && b.id == Tape<T>::kNone) return Var<T>::constant(std::move(value));
  if (a.id == Tape<T>::kNone) return unary(std::move(value), b, std::move(db));
  if (b.id == Tape<T>::kNone) return unary(std::move(value), a, std::move(da));
  return Var<T>(std::move(value), Tape<T>::current().push(a.id, std::move(da), b.id, std::move(db)));
}
}  // namespace detail

template <class T>
Var<T> operator+(const Var<T>& a, const Var<T>& b) {
  const T one = ScalarTraits<T>::from_int(1);
  return detail::binary(a.v + b.v, a, one, b, one);
}
template <class T>
Var<T> operator-(const Var<T>& a, const Var<T>& b) {
  return detail::binary(a.v - b.v, a, ScalarTraits<T>::from_int(1), b, ScalarTraits<T>::from_int(-1));
}
template <class T>
Var<T> operator-(const Var<T>& a) { return detail::unary(-a.v, a, ScalarTraits<T>::from_int(-1)); }
template <class T>
Var<T> operator*(const Var<T>& a, const Var<T>& b) { return detail::binary(a.v * b.v, a, b.v, b, a.v); }
template <class T>
Var<T> operator/(const Var<T>& a, const Var<T>& b) {
  const T q = a.v / b.v;
  const T inv = ScalarTraits<T>::from_int(1) / b.v;
  return detail::binary(q, a, inv, b, -(q * inv));
}
template <class T>
Var<T> exp(const Var<T>& a) {
  const T e = exp(a.v);
  return detail::unary(e, a, e);
}
template <class T>
Var<T> log(const Var<T>& a) { return detail::unary(log(a.v), a, ScalarTraits<T>::from_int(1) / a.v); }
template <class T>
Var<T> tanh(const Var<T>& a) {
  const T y = tanh(a.v);
  return detail::unary(y, a, ScalarTraits<T>::from_int(1) - y * y);
}

template <class T>
struct ScalarTraits<Var<T>> {
  static constexpr const char* name = "var";
  static constexpr Arithmetic arithmetic = ScalarTraits<T>::arithmetic;
  static Var<T> from_exact(const Exact& q) { return Var<T>::constant(ScalarTraits<T>::from_exact(q)); }
  static Var<T> from_int(long long v) { return Var<T>::constant(ScalarTraits<T>::from_int(v)); }
  static Var<T> from_double(double v) { return Var<T>::constant(ScalarTraits<T>::from_double(v)); }
  static double to_double(const Var<T>& x) { return ScalarTraits<T>::to_double(x.v); }
  static Sign sign(const Var<T>& x) { return ScalarTraits<T>::sign(x.v); }
  static std::string to_string(const Var<T>& x) { return ScalarTraits<T>::to_string(x.v); }
  static bool is_finite(const Var<T>& x) { return ScalarTraits<T>::is_finite(x.v); }
};

}  // namespace parallax::numeric
