#pragma once
// What a scan needs of an operator (kernels/operators.hpp), as concepts, so
// that a scan called with anything else fails with a concept error naming
// the missing member.
//
//   ScanOperator    a monoid: `element`, `identity()`,
//                   `compose(first, second, out)`  (out = second ∘ first; out aliases neither)
//                   — enough for scan_* and reduce_*
//   StateAction     an action on states: `state`, `make_state()` (zeros, right size),
//                   `apply(e, in, out)`  (out = e(in); out does not alias in)
//                   — enough for run_sequential
//   AffineOperator  both: the affine maps of a linear recurrence, for run_parallel
#include <concepts>

namespace parallax::kernels {

template <class Op>
concept ScanOperator = std::copyable<typename Op::element> &&
                       requires(const Op& op, const typename Op::element& e, typename Op::element& out) {
                         { op.identity() } -> std::convertible_to<typename Op::element>;
                         op.compose(e, e, out);
                       };

template <class Op>
concept StateAction = std::movable<typename Op::state> &&
                      requires(const Op& op, const typename Op::element& e, const typename Op::state& h,
                               typename Op::state& out) {
                        { op.make_state() } -> std::convertible_to<typename Op::state>;
                        op.apply(e, h, out);
                      };

template <class Op>
concept AffineOperator = ScanOperator<Op> && StateAction<Op>;

}  // namespace parallax::kernels
