#include <catch2/catch.hpp>
#include "kernels/operators.hpp"
#include "numeric/scalar_traits.hpp"
using namespace parallax;
TEST_CASE("PD composition equals applying both maps", "[quick][scan]") {
  kernels::PDAffine<numeric::Exact> op{3};
  kernels::PDAffine<numeric::Exact>::element e1{{1, 1, 0}, {2, 3, 5}, {1, 0, 0}}, e2{{2, 0, 2}, {7, 1, 1}, {0, 1, 1}}, c;
  op.compose(e1, e2, c);
  auto h = op.make_state(); h = {1, 2, 3};
  auto t = h, r1 = h, r2 = h;
  op.apply(e1, h, t); op.apply(e2, t, r1); op.apply(c, h, r2);
  REQUIRE(r1 == r2);
}
